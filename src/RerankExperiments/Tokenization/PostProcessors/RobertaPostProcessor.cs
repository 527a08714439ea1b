using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PostProcessors;

/// <summary>RobertaProcessing: <c>&lt;s&gt; A &lt;/s&gt;</c>, pair <c>&lt;s&gt; A &lt;/s&gt; &lt;/s&gt; B &lt;/s&gt;</c>; every type id is 0.</summary>
public sealed record RobertaPostProcessor(int ClsId, int SepId) : IPostProcessor
{
    public static RobertaPostProcessor FromJson(TokenizerJson json) =>
        new(BertPostProcessor.TokenAndId(json.Required("cls")), BertPostProcessor.TokenAndId(json.Required("sep")));

    public int AddedTokens(bool isPair) => isPair ? 4 : 2;

    public List<TokenSequence> Process(List<TokenSequence> sequences) => sequences.Count == 1
        ? [TokenSequence.Wrapped([ClsId], sequences[0], [SepId], 0)]
        : [TokenSequence.Wrapped([ClsId], sequences[0], [SepId], 0), TokenSequence.Wrapped([SepId], sequences[1], [SepId], 0)];
}
