using RerankExperiments.Modeling.Bert;
using RerankExperiments.Modeling.DebertaV2;
using RerankExperiments.Modeling.ModernBert;
using RerankExperiments.Modeling.XlmRoberta;

namespace RerankExperiments.Modeling;

/// <summary>Builds the architecture a config names (model_type), randomly initialised as transformers initialises it.</summary>
public static class ModelFactory
{
    /// <summary>The model_type values this project implements.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["bert", "xlm-roberta", "roberta", "modernbert", "deberta-v2"];

    public static SequenceClassificationModel Create(ModelConfig config) => config.ModelType switch
    {
        "bert" => new BertForSequenceClassification(config),
        "xlm-roberta" or "roberta" => new XlmRobertaForSequenceClassification(config),
        "modernbert" => new ModernBertForSequenceClassification(config),
        "deberta-v2" => new DebertaV2ForSequenceClassification(config),
        var other => throw new ModelFormatException(config.Path,
            $"model_type '{other}' is not supported (supported: {string.Join(", ", SupportedModelTypes)})."),
    };
}
