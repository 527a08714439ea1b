namespace RerankExperiments.Data;

/// <summary>The row layouts a reranker dataset comes in, each turned into <see cref="RankingExample"/>s differently.</summary>
public enum DatasetFormat
{
    /// <summary>FlagEmbedding: query, pos (list), neg (list), optional pos_scores/neg_scores. One example per row.</summary>
    QueryPosNeg,

    /// <summary>sentence-transformers (query, answer) or (anchor, positive): one positive per row, grouped by query.</summary>
    Pairs,

    /// <summary>(query, passage, label): a label per row (0/1 or a soft score), grouped by query.</summary>
    LabeledPairs,

    /// <summary>(anchor, positive, negative): one example per row, the negative kept with the positive it was mined for.</summary>
    Triplets,
}
