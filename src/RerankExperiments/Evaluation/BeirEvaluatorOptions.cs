using RerankExperiments.Mining;

namespace RerankExperiments.Evaluation;

/// <summary>
/// Settings of <see cref="BeirEvaluator"/>. <paramref name="Name"/> null → the folder's name;
/// <paramref name="RerankK"/> first-stage candidates per query (BM25's top k here, or the first k of the dataset's
/// precomputed ranking; NanoBEIR: 100); <paramref name="WithTitle"/> indexes and
/// reranks "title text" instead of the text alone (NanoBEIR uses the text alone); <paramref name="MaxQueries"/>
/// keeps the first judged queries only.
/// </summary>
public sealed record BeirEvaluatorOptions(
    string Split = "test",
    string? Name = null,
    int RerankK = 100,
    int AtK = 10,
    bool AlwaysRerankPositives = true,
    bool WithTitle = false,
    int? MaxQueries = null,
    IAnalyzer? Analyzer = null,
    Bm25Options? Bm25 = null)
{
    public BeirEvaluatorOptions Validated()
    {
        if (RerankK < 1) throw new ArgumentOutOfRangeException(nameof(RerankK), RerankK, "must be ≥ 1");
        if (AtK < 1) throw new ArgumentOutOfRangeException(nameof(AtK), AtK, "must be ≥ 1");
        if (MaxQueries is < 1) throw new ArgumentOutOfRangeException(nameof(MaxQueries), MaxQueries, "must be ≥ 1");
        Bm25?.Validated();
        return this;
    }
}
