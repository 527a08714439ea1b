using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PostProcessors;

/// <summary>Builds a post-processor from its tokenizer.json object, by <c>type</c>.</summary>
public static class PostProcessorFactory
{
    static readonly string[] Supported = ["TemplateProcessing", "BertProcessing", "RobertaProcessing", "ByteLevel", "Sequence"];

    public static IPostProcessor Create(TokenizerJson json) => json.Type switch
    {
        "TemplateProcessing" => TemplatePostProcessor.FromJson(json),
        "BertProcessing" => BertPostProcessor.FromJson(json),
        "RobertaProcessing" => RobertaPostProcessor.FromJson(json),
        "ByteLevel" => ByteLevelPostProcessor.FromJson(json),
        "Sequence" => new SequencePostProcessor(json.Required("processors").Items().Select(Create).ToList()),
        _ => throw json.Unsupported("post-processor", Supported),
    };
}
