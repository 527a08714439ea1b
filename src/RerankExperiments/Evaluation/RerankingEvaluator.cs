using RerankExperiments.Modeling;

namespace RerankExperiments.Evaluation;

/// <summary>
/// sentence-transformers' CrossEncoderRerankingEvaluator: scores every (query, document) pair of every sample, ranks
/// each sample's documents by score and reports the means over samples of average precision (full list), MRR@k and
/// NDCG@k (see <see cref="RankingMetrics"/>) as <c>{name}_map</c>, <c>{name}_mrr@{k}</c>, <c>{name}_ndcg@{k}</c>;
/// primary metric NDCG@k.
/// <para>Candidates per sample: with negatives, positives + negatives. With documents and
/// <c>alwaysRerankPositives</c>, all positives + the documents that are not positives (so every positive is
/// scored and a perfect reranker reaches 1); without it, the documents as given (positives the retriever missed are
/// neither scored nor counted in the ideal ranking). With documents, <c>{name}_base_map</c>,
/// <c>{name}_base_mrr@{k}</c> and <c>{name}_base_ndcg@{k}</c> rate the given order, with the positives it lacks
/// appended after it (so they count against recall); a sample whose documents hold no positive scores 0 there.</para>
/// <para>A sample with no relevant candidate scores 0 and is not sent to the model. All pairs of all samples go
/// to the scorer in one call, so a <see cref="Reranker"/> batches and length-sorts across samples. Samples must
/// all have negatives or all have documents (sentence-transformers decides from the last sample).</para>
/// </summary>
public sealed class RerankingEvaluator : IEvaluator
{
    readonly IReadOnlyList<Candidates> _samples;

    public RerankingEvaluator(IReadOnlyList<RerankingSample> samples, string name = "", int atK = 10, bool alwaysRerankPositives = true)
    {
        if (samples.Count == 0) throw new ArgumentException("A reranking evaluator needs at least one sample.", nameof(samples));
        if (atK < 1) throw new ArgumentOutOfRangeException(nameof(atK), atK, "must be ≥ 1");
        foreach (var sample in samples) sample.Validated();
        int withDocuments = samples.Count(s => s.Documents is not null);
        if (withDocuments != 0 && withDocuments != samples.Count)
            throw new ArgumentException($"{withDocuments} of {samples.Count} reranking samples have documents and the rest negatives; use one kind.", nameof(samples));
        Name = name;
        AtK = atK;
        AlwaysRerankPositives = alwaysRerankPositives;
        HasDocuments = withDocuments > 0;
        _samples = samples.Select(s => Candidates.Of(s, alwaysRerankPositives)).ToList();
    }

    public string Name { get; }

    public int AtK { get; }

    public bool AlwaysRerankPositives { get; }

    /// <summary>Whether the samples carry retriever rankings (and so the base_* metrics are reported).</summary>
    public bool HasDocuments { get; }

    public int SampleCount => _samples.Count;

    public string PrimaryMetric => MetricKeys.Prefixed(Name, $"ndcg@{AtK}");

    public IReadOnlyDictionary<string, double> Evaluate(Reranker reranker) => Evaluate(reranker.Score);

    /// <summary>
    /// Evaluates with any pair scorer: <paramref name="score"/> gets all pairs at once and returns one score per
    /// pair in input order (higher = more relevant).
    /// </summary>
    public IReadOnlyDictionary<string, double> Evaluate(Func<IReadOnlyList<(string Query, string Passage)>, float[]> score)
    {
        var pairs = new List<(string Query, string Passage)>();
        var offsets = new int[_samples.Count];
        for (int s = 0; s < _samples.Count; s++)
        {
            offsets[s] = pairs.Count;
            var sample = _samples[s];
            if (sample.AnyRelevant) pairs.AddRange(sample.Documents.Select(d => (sample.Query, d)));
        }
        var scores = pairs.Count == 0 ? [] : score(pairs);
        if (scores.Length != pairs.Count) throw new InvalidOperationException($"The scorer returned {scores.Length} scores for {pairs.Count} pairs.");

        double map = 0, mrr = 0, ndcg = 0, baseMap = 0, baseMrr = 0, baseNdcg = 0;
        for (int s = 0; s < _samples.Count; s++)
        {
            var sample = _samples[s];
            if (sample.AnyRelevant)
            {
                var sampleScores = new double[sample.Documents.Count];
                for (int i = 0; i < sampleScores.Length; i++) sampleScores[i] = scores[offsets[s] + i];
                map += RankingMetrics.AveragePrecision(sampleScores, sample.Relevant);
                mrr += RankingMetrics.ReciprocalRank(sampleScores, sample.Relevant, AtK);
                ndcg += RankingMetrics.Ndcg(sampleScores, sample.Relevant, AtK);
            }
            if (sample.BaseRelevant is { } baseRelevant)
            {
                // The given order as descending scores n, n−1, …, 1: no ties.
                var order = Enumerable.Range(0, baseRelevant.Length).Select(i => (double)(baseRelevant.Length - i)).ToArray();
                baseMap += RankingMetrics.AveragePrecision(order, baseRelevant);
                baseMrr += RankingMetrics.ReciprocalRank(order, baseRelevant, AtK);
                baseNdcg += RankingMetrics.Ndcg(order, baseRelevant, AtK);
            }
        }
        int n = _samples.Count;
        var metrics = new Dictionary<string, double>
        {
            [MetricKeys.Prefixed(Name, "map")] = map / n,
            [MetricKeys.Prefixed(Name, $"mrr@{AtK}")] = mrr / n,
            [MetricKeys.Prefixed(Name, $"ndcg@{AtK}")] = ndcg / n,
        };
        if (HasDocuments)
        {
            metrics[MetricKeys.Prefixed(Name, "base_map")] = baseMap / n;
            metrics[MetricKeys.Prefixed(Name, $"base_mrr@{AtK}")] = baseMrr / n;
            metrics[MetricKeys.Prefixed(Name, $"base_ndcg@{AtK}")] = baseNdcg / n;
        }
        return metrics;
    }

    /// <summary>
    /// One sample's candidates to score with their relevance, and (documents only) the relevance of the given order
    /// with missing positives appended — null when the documents hold no positive (base metrics 0).
    /// </summary>
    sealed record Candidates(string Query, IReadOnlyList<string> Documents, bool[] Relevant, bool[]? BaseRelevant)
    {
        public bool AnyRelevant => Relevant.Contains(true);

        public static Candidates Of(RerankingSample sample, bool alwaysRerankPositives)
        {
            var positives = sample.Positives.ToHashSet(StringComparer.Ordinal);
            if (sample.Documents is not { } documents)
            {
                var negatives = sample.Negatives!;
                return new(sample.Query, [.. sample.Positives, .. negatives],
                    [.. Enumerable.Repeat(true, sample.Positives.Count), .. Enumerable.Repeat(false, negatives.Count)], null);
            }
            var given = documents.Select(positives.Contains).ToArray();
            int found = given.Count(r => r);
            bool[]? baseRelevant = found == 0 ? null : [.. given, .. Enumerable.Repeat(true, Math.Max(0, sample.Positives.Count - found))];
            if (!alwaysRerankPositives) return new(sample.Query, documents, given, baseRelevant);
            var others = documents.Where(d => !positives.Contains(d)).ToList();
            return new(sample.Query, [.. sample.Positives, .. others],
                [.. Enumerable.Repeat(true, sample.Positives.Count), .. Enumerable.Repeat(false, others.Count)], baseRelevant);
        }
    }
}
