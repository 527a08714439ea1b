namespace RerankExperiments.Mining;

/// <summary>
/// What <see cref="HardNegativeMiner"/> needs from a retriever: each query's best corpus entries and the score of
/// each query with its own positives, both in the retriever's units (BM25 scores, cosine similarities, …).
/// </summary>
public interface ICandidateRetriever
{
    /// <summary>What determines the scores (method, parameters, model); part of the mining cache key.</summary>
    string Identity { get; }

    /// <summary>
    /// Searches <paramref name="corpus"/> for every query.
    /// </summary>
    /// <param name="queries">Query texts.</param>
    /// <param name="corpus">Passages, addressed by position.</param>
    /// <param name="k">Candidates wanted per query (≤ corpus size); a retriever may return fewer (BM25 drops documents
    /// sharing no term).</param>
    /// <param name="pairs">Per query, the corpus positions to score it against (its positives).</param>
    RetrievalResult Retrieve(IReadOnlyList<string> queries, IReadOnlyList<string> corpus, int k, IReadOnlyList<IReadOnlyList<int>> pairs);
}
