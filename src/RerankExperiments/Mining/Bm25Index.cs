namespace RerankExperiments.Mining;

/// <summary>
/// An in-memory Okapi BM25 index with exact top-k search. For a query with terms t (a term repeated in the query
/// counts once per occurrence) and a document d of |d| terms,
/// <code>
/// score(q, d) = Σ_{t ∈ q} idf(t) · tf(t, d) · (k1 + 1) / (tf(t, d) + k1 · (1 − b + b · |d| / avgdl))
/// idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
/// </code>
/// where N is the number of documents, df(t) the number holding t and avgdl the mean document length. This idf is
/// Lucene's (also Anserini's and bm25s' "lucene" variant): always positive, unlike the unshifted
/// ln((N − df + 0.5) / (df + 0.5)) of classic Robertson BM25 and rank_bm25's BM25Okapi (which floors negative
/// values at ε · mean idf). Lengths are exact term counts (Lucene rounds them to one byte).
/// <para>Built once from (id, text) pairs; an inverted index of postings (document, tf) per term makes a query
/// touch only the documents sharing a term with it. Immutable after building, so queries may run concurrently.</para>
/// </summary>
public sealed class Bm25Index
{
    readonly Dictionary<string, Posting[]> _postings;
    readonly double[] _lengthNorm;
    readonly string[] _ids;

    Bm25Index(string[] ids, Dictionary<string, Posting[]> postings, int[] lengths, IAnalyzer analyzer, Bm25Options options)
    {
        _ids = ids;
        _postings = postings;
        Analyzer = analyzer;
        Options = options;
        AverageLength = lengths.Length == 0 ? 0 : lengths.Average();
        _lengthNorm = lengths.Select(l => options.K1 * (1 - options.B + options.B * (AverageLength == 0 ? 0 : l / AverageLength))).ToArray();
    }

    public IAnalyzer Analyzer { get; }

    public Bm25Options Options { get; }

    /// <summary>N, the number of documents.</summary>
    public int Count => _ids.Length;

    /// <summary>avgdl, the mean number of terms per document.</summary>
    public double AverageLength { get; }

    public IReadOnlyList<string> Ids => _ids;

    /// <summary>Indexes <paramref name="texts"/> under <paramref name="ids"/> (unique), analysing on all cores.</summary>
    public static Bm25Index Build(IReadOnlyList<string> ids, IReadOnlyList<string> texts, IAnalyzer? analyzer = null, Bm25Options? options = null)
    {
        if (ids.Count != texts.Count) throw new ArgumentException($"{ids.Count} ids but {texts.Count} texts.");
        analyzer ??= new SimpleAnalyzer();
        options = (options ?? new Bm25Options()).Validated();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
            if (!seen.Add(id)) throw new ArgumentException($"Document id '{id}' occurs twice.", nameof(ids));

        var terms = new IReadOnlyList<string>[texts.Count];
        Parallel.For(0, texts.Count, i => terms[i] = analyzer.Analyze(texts[i]));
        var lengths = terms.Select(t => t.Count).ToArray();
        var lists = new Dictionary<string, List<Posting>>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int doc = 0; doc < terms.Length; doc++)
        {
            counts.Clear();
            foreach (var term in terms[doc]) counts[term] = counts.GetValueOrDefault(term) + 1;
            foreach (var (term, tf) in counts)
            {
                if (!lists.TryGetValue(term, out var list)) lists[term] = list = [];
                list.Add(new Posting(doc, tf));
            }
        }
        var postings = lists.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        return new Bm25Index([.. ids], postings, lengths, analyzer, options);
    }

    /// <summary>df(t): how many documents hold the (already analysed) term.</summary>
    public int DocumentFrequency(string term) => _postings.TryGetValue(term, out var list) ? list.Length : 0;

    /// <summary>idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)) for an (already analysed) term.</summary>
    public double Idf(string term)
    {
        int df = DocumentFrequency(term);
        return Math.Log(1 + (Count - df + 0.5) / (df + 0.5));
    }

    /// <summary>The BM25 score of every document for <paramref name="query"/>, in corpus order (0 where no term matches).</summary>
    public double[] Scores(string query) => Accumulate(query, out _);

    /// <summary>
    /// The BM25 score of one document (by corpus position) for <paramref name="query"/>, found by binary search
    /// in the postings of the query's terms; equal to <c>Scores(query)[document]</c> without scoring the corpus.
    /// </summary>
    public double Score(string query, int document)
    {
        if ((uint)document >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(document), document, $"must be in [0, {Count})");
        double score = 0, k1Plus1 = Options.K1 + 1;
        foreach (var group in Analyzer.Analyze(query).GroupBy(t => t, StringComparer.Ordinal))
        {
            if (!_postings.TryGetValue(group.Key, out var list)) continue;
            int low = 0, high = list.Length - 1;
            while (low <= high)
            {
                int middle = (low + high) >>> 1;
                int doc = list[middle].Document;
                if (doc == document)
                {
                    int tf = list[middle].TermFrequency;
                    score += group.Count() * Idf(group.Key) * tf * k1Plus1 / (tf + _lengthNorm[document]);
                    break;
                }
                if (doc < document) low = middle + 1;
                else high = middle - 1;
            }
        }
        return score;
    }

    /// <summary>
    /// The <paramref name="k"/> best documents for <paramref name="query"/>, best first; only documents sharing a
    /// term with the query (so possibly fewer than k). Equal scores rank in corpus order.
    /// </summary>
    public IReadOnlyList<Bm25Hit> Search(string query, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "must be ≥ 1");
        // A per-thread score buffer, cleared after use where it was touched: no corpus-sized allocation per query.
        var scores = _buffer is { } b && b.Length == Count ? b : _buffer = new double[Count];
        var touched = _touched ??= [];
        touched.Clear();
        try
        {
            Accumulate(query, scores, touched);
            return TopK(scores, touched, k);
        }
        finally
        {
            foreach (int doc in touched) scores[doc] = 0;
        }
    }

    [ThreadStatic] static double[]? _buffer;
    [ThreadStatic] static List<int>? _touched;

    IReadOnlyList<Bm25Hit> TopK(double[] scores, List<int> touched, int k)
    {
        // A min-heap of the best k so far; its root is the worst kept hit (lowest score, latest on ties).
        var heap = new PriorityQueue<int, (double Score, int Index)>(k + 1, WorstFirst.Instance);
        foreach (int doc in touched)
        {
            heap.Enqueue(doc, (scores[doc], doc));
            if (heap.Count > k) heap.Dequeue();
        }
        var hits = new Bm25Hit[heap.Count];
        for (int i = hits.Length - 1; i >= 0; i--)
        {
            int doc = heap.Dequeue();
            hits[i] = new Bm25Hit(_ids[doc], doc, scores[doc]);
        }
        return hits;
    }

    /// <summary>The top <paramref name="k"/> of each query, queries searched in parallel; results in query order.</summary>
    public IReadOnlyList<IReadOnlyList<Bm25Hit>> SearchMany(IReadOnlyList<string> queries, int k)
    {
        var results = new IReadOnlyList<Bm25Hit>[queries.Count];
        Parallel.For(0, queries.Count, i => results[i] = Search(queries[i], k));
        return results;
    }

    double[] Accumulate(string query, out List<int> touched)
    {
        var scores = new double[Count];
        touched = [];
        Accumulate(query, scores, touched);
        return scores;
    }

    /// <summary>Adds the query's BM25 contributions into <paramref name="scores"/> (all zero on entry), listing each document first reached.</summary>
    void Accumulate(string query, double[] scores, List<int> touched)
    {
        var queryTerms = Analyzer.Analyze(query).GroupBy(t => t, StringComparer.Ordinal);
        double k1Plus1 = Options.K1 + 1;
        foreach (var group in queryTerms)
        {
            if (!_postings.TryGetValue(group.Key, out var list)) continue;
            double weight = group.Count() * Idf(group.Key);
            foreach (var (doc, tf) in list)
            {
                if (scores[doc] == 0) touched.Add(doc);
                scores[doc] += weight * tf * k1Plus1 / (tf + _lengthNorm[doc]);
            }
        }
    }

    readonly record struct Posting(int Document, int TermFrequency);

    sealed class WorstFirst : IComparer<(double Score, int Index)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((double Score, int Index) x, (double Score, int Index) y) =>
            x.Score != y.Score ? x.Score.CompareTo(y.Score) : y.Index.CompareTo(x.Index);
    }
}
