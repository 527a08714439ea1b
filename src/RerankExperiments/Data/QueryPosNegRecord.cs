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
    IReadOnlyList<float>? NegativeScores = null);
