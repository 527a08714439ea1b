using RerankExperiments.Data;
using RerankExperiments.Torch.Randomness;

namespace RerankExperiments.Mining;

/// <summary>
/// Hard-negative mining with the semantics of sentence-transformers' <c>mine_hard_negatives</c>, over any
/// <see cref="ICandidateRetriever"/> (BM25, or dense embeddings as sentence-transformers retrieves):
/// <list type="number">
/// <item>Queries are deduplicated (records with the same query text merge their positives, order kept).</item>
/// <item>The corpus is <c>dedup(corpus + all positives)</c> (exact strings, first occurrence kept); without a corpus,
/// the positives alone.</item>
/// <item>Each query retrieves its top <c>range_max + max_pos</c> candidates (max_pos: most positives of any query);
/// with BM25, documents sharing no term with the query score 0 and are never candidates. Positive scores are the
/// retriever's scores of (query, positive): BM25 scores, or the similarity of their embeddings.</item>
/// <item>With a rescoring callback and a margin or max_score set, every candidate and positive score is replaced by
/// the callback's (a cross-encoder's) score, as sentence-transformers rescores with its CrossEncoder.</item>
/// <item>Candidates that are any positive of the query are removed; then, against the query's <em>minimum</em>
/// positive score p: absolute margin (drop when <c>s + m &gt; p</c>), relative margin (drop when
/// <c>s &gt; p − |p|·m</c>), then max_score (drop <c>s &gt; max</c>), then min_score (drop <c>s &lt; min</c>).</item>
/// <item>Survivors stay in score order (ties in corpus order); the first range_min are skipped and the window ends at
/// range_max; then num_negatives are taken from its top, or drawn uniformly (seeded) and re-sorted by score.</item>
/// </list>
/// A query with fewer survivors keeps what it has, or is dropped with <see cref="MiningOptions.DropShort"/>.
/// </summary>
public static class HardNegativeMiner
{
    /// <summary>Scores (query, passage) pairs, e.g. with a cross-encoder; one score per pair, in order.</summary>
    public delegate float[] Rescorer(IReadOnlyList<(string Query, string Passage)> pairs);

    /// <summary>Mines with BM25 (<see cref="Bm25Retriever"/>).</summary>
    public static MiningResult Mine(IEnumerable<QueryPosNegRecord> records, MiningOptions options, IEnumerable<string>? corpus = null,
        Rescorer? rescorer = null, IAnalyzer? analyzer = null, Bm25Options? bm25 = null) =>
        Mine(records, options, new Bm25Retriever(analyzer, bm25), corpus, rescorer);

    /// <summary>Mines with <paramref name="retriever"/>: its candidates and its (query, positive) scores.</summary>
    public static MiningResult Mine(IEnumerable<QueryPosNegRecord> records, MiningOptions options, ICandidateRetriever retriever,
        IEnumerable<string>? corpus = null, Rescorer? rescorer = null)
    {
        options = options.Validated();
        var queries = DeduplicateQueries(records);
        var passages = Deduplicate((corpus ?? []).Concat(queries.SelectMany(q => q.Positives)));
        var position = new Dictionary<string, int>(passages.Count, StringComparer.Ordinal);
        for (int i = 0; i < passages.Count; i++) position[passages[i]] = i;

        int rangeMax = options.EffectiveRangeMax;
        int maxPositives = queries.Count == 0 ? 0 : queries.Max(q => q.Positives.Count);
        int k = Math.Max(1, Math.Min(passages.Count, rangeMax + maxPositives));
        var retrieved = retriever.Retrieve([.. queries.Select(q => q.Query)], passages, k,
            [.. queries.Select(q => (IReadOnlyList<int>)[.. q.Positives.Select(p => position[p])])]);
        var candidates = retrieved.Candidates;
        var positiveScores = retrieved.PairScores;
        if (rescorer is not null && options.Filters) Rescore(queries, candidates, positiveScores, passages, rescorer);

        int removedAsPositive = 0, removedByMargin = 0, removedByMax = 0, removedByMin = 0, shortQueries = 0, dropped = 0;
        var random = new DeterministicRandom(options.Seed);
        var output = new List<QueryPosNegRecord>(queries.Count);
        for (int i = 0; i < queries.Count; i++)
        {
            var (query, positives) = queries[i];
            var positiveSet = positives.Select(p => position[p]).ToHashSet();
            double reference = positiveScores[i].Min();
            var survivors = new List<(int Index, double Score)>();
            foreach (var (doc, score) in candidates[i])
            {
                if (positiveSet.Contains(doc)) { removedAsPositive++; continue; }
                if ((options.AbsoluteMargin is { } a && score + a > reference) || (options.RelativeMargin is { } r && score > reference - Math.Abs(reference) * r))
                {
                    removedByMargin++;
                    continue;
                }
                if (options.MaxScore is { } max && score > max) { removedByMax++; continue; }
                if (options.MinScore is { } min && score < min) { removedByMin++; continue; }
                survivors.Add((doc, score));
            }
            // Candidates come best first with ties in corpus order; a stable sort keeps that after rescoring too.
            survivors = [.. survivors.OrderByDescending(s => s.Score).ThenBy(s => s.Index)];
            var window = survivors.Skip(options.RangeMin).Take(rangeMax - options.RangeMin).ToList();
            List<(int Index, double Score)> chosen;
            if (options.Sampling == NegativeSampling.Top || window.Count <= options.NumNegatives)
                chosen = [.. window.Take(options.NumNegatives)];
            else
            {
                var order = Enumerable.Range(0, window.Count).ToArray();
                for (int j = 0; j < options.NumNegatives; j++)
                {
                    int pick = j + random.Next(order.Length - j);
                    (order[j], order[pick]) = (order[pick], order[j]);
                }
                chosen = [.. order.Take(options.NumNegatives).Order().Select(j => window[j])];
            }
            if (chosen.Count < options.NumNegatives)
            {
                shortQueries++;
                if (options.DropShort) { dropped++; continue; }
            }
            output.Add(new QueryPosNegRecord(query, positives, [.. chosen.Select(c => passages[c.Index])],
                [.. positiveScores[i].Select(s => (float)s)], [.. chosen.Select(c => (float)c.Score)]));
        }

        var statistics = new MiningStatistics(queries.Count, shortQueries, dropped, output.Sum(r => r.Negatives.Count),
            removedAsPositive, removedByMargin, removedByMax, removedByMin,
            ScoreDistribution.Of(output.SelectMany(r => r.PositiveScores!).Select(s => (double)s)),
            ScoreDistribution.Of(output.SelectMany(r => r.NegativeScores!).Select(s => (double)s)));
        return new MiningResult(output, statistics);
    }

    static void Rescore(List<(string Query, List<string> Positives)> queries, (int Index, double Score)[][] candidates, double[][] positiveScores,
        List<string> passages, Rescorer rescorer)
    {
        var pairs = new List<(string, string)>();
        for (int i = 0; i < queries.Count; i++)
        {
            pairs.AddRange(candidates[i].Select(c => (queries[i].Query, passages[c.Index])));
            pairs.AddRange(queries[i].Positives.Select(p => (queries[i].Query, p)));
        }
        var scores = rescorer(pairs);
        if (scores.Length != pairs.Count) throw new InvalidOperationException($"The rescorer returned {scores.Length} scores for {pairs.Count} pairs.");
        int next = 0;
        for (int i = 0; i < queries.Count; i++)
        {
            for (int j = 0; j < candidates[i].Length; j++) candidates[i][j].Score = scores[next++];
            for (int j = 0; j < positiveScores[i].Length; j++) positiveScores[i][j] = scores[next++];
        }
    }

    /// <summary>Records merged by query text (first-seen order), their positives deduplicated.</summary>
    public static List<(string Query, List<string> Positives)> DeduplicateQueries(IEnumerable<QueryPosNegRecord> records)
    {
        var order = new List<(string Query, List<string> Positives)>();
        var byQuery = new Dictionary<string, (List<string> List, HashSet<string> Seen)>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            if (!byQuery.TryGetValue(record.Query, out var entry))
            {
                entry = ([], new HashSet<string>(StringComparer.Ordinal));
                byQuery[record.Query] = entry;
                order.Add((record.Query, entry.List));
            }
            foreach (var positive in record.Positives)
                if (entry.Seen.Add(positive)) entry.List.Add(positive);
        }
        return order.Where(q => q.Positives.Count > 0).ToList();
    }

    static List<string> Deduplicate(IEnumerable<string> texts)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return texts.Where(seen.Add).ToList();
    }
}
