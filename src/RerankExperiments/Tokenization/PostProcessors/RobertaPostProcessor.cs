using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PostProcessors;

/// <summary>RobertaProcessing: <c>&lt;s&gt; A &lt;/s&gt;</c>, pair <c>&lt;s&gt; A &lt;/s&gt; &lt;/s&gt; B &lt;/s&gt;</c>; every type id is 0.</summary>
public sealed record RobertaPostProcessor(int ClsId, int SepId) : IPostProcessor
{
    public static RobertaPostProcessor FromJson(TokenizerJson json) =>
        new(BertPostProcessor.TokenAndId(json.Required("cls")), BertPostProcessor.TokenAndId(json.Required("sep")));

    public int AddedTokens(bool isPair) => isPair ? 4 : 2;

    public List<TokenSequence> Process(List<TokenSequence> sequences)
    {
        var first = new TokenSequence([], [], []);
        first.AppendSpecial(ClsId, 0);
        first.Append(sequences[0], 0);
        first.AppendSpecial(SepId, 0);
        if (sequences.Count == 1) return [first];
        var second = new TokenSequence([], [], []);
        second.AppendSpecial(SepId, 0);
        second.Append(sequences[1], 0);
        second.AppendSpecial(SepId, 0);
        return [first, second];
    }
}
