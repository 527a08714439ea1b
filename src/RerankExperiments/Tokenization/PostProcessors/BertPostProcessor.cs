using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PostProcessors;

/// <summary>BertProcessing: <c>[CLS] A [SEP]</c>, pair <c>[CLS] A [SEP] B [SEP]</c> with B and its [SEP] of type 1.</summary>
public sealed record BertPostProcessor(int ClsId, int SepId) : IPostProcessor
{
    public static BertPostProcessor FromJson(TokenizerJson json) => new(TokenAndId(json.Required("cls")), TokenAndId(json.Required("sep")));

    /// <summary>The id of a ["token", id] pair.</summary>
    internal static int TokenAndId(TokenizerJson pair)
    {
        var items = pair.Items().ToList();
        if (items.Count != 2) throw pair.Error("expected [token, id]");
        _ = items[0].AsString();
        return items[1].AsInt();
    }

    public int AddedTokens(bool isPair) => isPair ? 3 : 2;

    public List<TokenSequence> Process(List<TokenSequence> sequences) => sequences.Count == 1
        ? [TokenSequence.Wrapped([ClsId], sequences[0], [SepId], 0)]
        : [TokenSequence.Wrapped([ClsId], sequences[0], [SepId], 0), TokenSequence.Wrapped([], sequences[1], [SepId], 1)];
}
