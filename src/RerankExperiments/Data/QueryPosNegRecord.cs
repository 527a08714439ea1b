namespace RerankExperiments.Data;

/// <summary>
/// FlagEmbedding's training record: a query, its positives and negatives, and optionally teacher scores aligned
/// with them (pos_scores / neg_scores) for distillation.
/// </summary>
public sealed record QueryPosNegRecord(
    string Query,
    IReadOnlyList<string> Positives,
    IReadOnlyList<string> Negatives,
    IReadOnlyList<float>? PositiveScores = null,
    IReadOnlyList<float>? NegativeScores = null)
{
    /// <summary>
    /// The record as one example: positives (label 1) then negatives (label 0), teacher scores alongside when both
    /// lists have them. The trainer's group sampling (train_group_size) draws its groups from this.
    /// </summary>
    public RankingExample ToExample() => new(Query, [.. Positives, .. Negatives],
        [.. Enumerable.Repeat(1f, Positives.Count), .. Enumerable.Repeat(0f, Negatives.Count)],
        PositiveScores is not null && NegativeScores is not null ? [.. PositiveScores, .. NegativeScores] : null);

    /// <summary>The inverse of <see cref="ToExample"/> for mining: passages with label &gt; 0 are positives, the rest negatives (teacher scores dropped).</summary>
    public static QueryPosNegRecord FromExample(RankingExample example)
    {
        var (positives, negatives) = DatasetFormats.SplitByLabel(example);
        return new QueryPosNegRecord(example.Query, positives, negatives);
    }
}
