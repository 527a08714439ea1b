namespace RerankExperiments.Mining;

/// <summary>
/// BM25 as a <see cref="ICandidateRetriever"/>: an in-memory <see cref="Bm25Index"/> over the corpus, queries
/// searched in parallel; pair scores are exact BM25 scores. Documents sharing no term with a query score 0 and are
/// never its candidates.
/// </summary>
public sealed class Bm25Retriever(IAnalyzer? analyzer = null, Bm25Options? options = null) : ICandidateRetriever
{
    readonly Bm25Options _options = (options ?? new Bm25Options()).Validated();

    public string Identity => FormattableString.Invariant($"bm25(k1={_options.K1},b={_options.B},analyzer={analyzer?.GetType().Name ?? nameof(SimpleAnalyzer)})");

    public RetrievalResult Retrieve(IReadOnlyList<string> queries, IReadOnlyList<string> corpus, int k, IReadOnlyList<IReadOnlyList<int>> pairs)
    {
        var ids = Enumerable.Range(0, corpus.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var index = Bm25Index.Build(ids, corpus, analyzer, _options);
        var candidates = new (int Index, double Score)[queries.Count][];
        var pairScores = new double[queries.Count][];
        Parallel.For(0, queries.Count, i =>
        {
            candidates[i] = index.Search(queries[i], k).Select(h => (h.Index, h.Score)).ToArray();
            pairScores[i] = pairs[i].Select(p => index.Score(queries[i], p)).ToArray();
        });
        return new RetrievalResult(candidates, pairScores);
    }
}
