namespace RerankExperiments.Mining;

/// <summary>What a dense search is doing.</summary>
public enum RetrievalStage
{
    /// <summary>Embedding the queries (Done/Total count queries).</summary>
    EmbeddingQueries,

    /// <summary>Embedding corpus chunks and searching them (Done/Total count passages embedded and searched).</summary>
    EmbeddingPassages,
}

/// <summary>
/// One progress report: <paramref name="Done"/> of <paramref name="Total"/> items of <paramref name="Stage"/> after
/// <paramref name="Elapsed"/> in that stage.
/// </summary>
public sealed record RetrievalProgress(RetrievalStage Stage, long Done, long Total, TimeSpan Elapsed)
{
    /// <summary>Items per second so far (0 before any time has passed).</summary>
    public double Rate => Elapsed.TotalSeconds > 0 ? Done / Elapsed.TotalSeconds : 0;
}
