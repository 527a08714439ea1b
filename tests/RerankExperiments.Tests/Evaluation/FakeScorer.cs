namespace RerankExperiments.Tests.Evaluation;

/// <summary>A pair scorer that looks scores up by passage and records every call.</summary>
public sealed class FakeScorer(IReadOnlyDictionary<string, float> scoreByPassage)
{
    public List<IReadOnlyList<(string Query, string Passage)>> Calls { get; } = [];

    public float[] Score(IReadOnlyList<(string Query, string Passage)> pairs)
    {
        Calls.Add(pairs.ToList());
        return pairs.Select(p => scoreByPassage[p.Passage]).ToArray();
    }
}
