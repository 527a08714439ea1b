namespace RerankExperiments.Data;

/// <summary>The row layouts a reranker dataset comes in, each turned into <see cref="RankingExample"/>s differently.</summary>
public enum DatasetFormat
{
    /// <summary>FlagEmbedding: query, pos (list), neg (list), optional pos_scores/neg_scores. One example per row.</summary>
    QueryPosNeg,

    /// <summary>sentence-transformers (query, answer) or (anchor, positive): one positive per row, grouped by query.</summary>
    Pairs,

    /// <summary>
    /// (query, passage, label): a label per row (0/1 or a soft score), grouped by query. A row whose passage and label
    /// columns are aligned lists (sentence-transformers' labeled-list) contributes all of them.
    /// </summary>
    LabeledPairs,

    /// <summary>
    /// (anchor, positive, negative), or the n-tuple (anchor, positive, negative_1 … negative_n): one example per row,
    /// the negatives kept with the positive they were mined for.
    /// </summary>
    Triplets,
}
