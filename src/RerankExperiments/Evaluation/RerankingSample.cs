namespace RerankExperiments.Evaluation;

/// <summary>
/// One query of a <see cref="RerankingEvaluator"/>, as sentence-transformers' samples: the query, its relevant
/// passages, and exactly one of <paramref name="Negatives"/> (irrelevant passages) or <paramref name="Documents"/>
/// (a first-stage retriever's ranking, best first, which may contain some of the positives). A document is
/// relevant when its text equals a positive's text.
/// </summary>
public sealed record RerankingSample(
    string Query,
    IReadOnlyList<string> Positives,
    IReadOnlyList<string>? Negatives = null,
    IReadOnlyList<string>? Documents = null)
{
    /// <summary>A sample with positives and negatives.</summary>
    public static RerankingSample WithNegatives(string query, IReadOnlyList<string> positives, IReadOnlyList<string> negatives) =>
        new(query, positives, Negatives: negatives);

    /// <summary>A sample with a retriever's ranked documents.</summary>
    public static RerankingSample WithDocuments(string query, IReadOnlyList<string> positives, IReadOnlyList<string> documents) =>
        new(query, positives, Documents: documents);

    /// <summary>Checks exactly one of negatives and documents is given; throws naming the query otherwise.</summary>
    public RerankingSample Validated()
    {
        if ((Negatives is null) == (Documents is null))
            throw new ArgumentException($"Reranking sample '{Query}' needs exactly one of negatives and documents.");
        return this;
    }
}
