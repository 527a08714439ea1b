using RerankExperiments.Evaluation;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Evaluation;

/// <summary>Discounts d_r = 1 / log2(r + 2) as in <see cref="RankingMetricsTests"/>.</summary>
public sealed class RerankingEvaluatorTests
{
    const double D0 = 1, D1 = 0.6309297535714575, D2 = 0.5, D3 = 0.43067655807339306;

    static readonly RerankingSample[] NegativeSamples =
    [
        // Ranked n1 (0.9), p1 (0.2), n2 (0.1): MRR ½, NDCG d1/d0, AP ½.
        RerankingSample.WithNegatives("q1", ["p1"], ["n1", "n2"]),
        // p2 (0.8) first, then p3 and n3 tied at 0.3: MRR 1; NDCG (d0 + ½(d1 + d2)) / (d0 + d1); AP ½·1 + ½·⅔.
        RerankingSample.WithNegatives("q2", ["p2", "p3"], ["n3"]),
        // No positive: 0 everywhere, never scored.
        RerankingSample.WithNegatives("q3", [], ["n4"]),
    ];

    static readonly Dictionary<string, float> Scores = new()
    {
        ["p1"] = 0.2f, ["n1"] = 0.9f, ["n2"] = 0.1f, ["p2"] = 0.8f, ["p3"] = 0.3f, ["n3"] = 0.3f, ["n4"] = 0.5f,
        ["pa"] = 0.7f, ["pb"] = 0.1f, ["x"] = 0.9f, ["y"] = 0.05f, ["pc"] = 0.6f, ["z"] = 0.4f,
    };

    [Fact]
    public void NegativeSamplesGiveMeansOfHandComputedMetrics()
    {
        var scorer = new FakeScorer(Scores);
        var evaluator = new RerankingEvaluator(NegativeSamples, name: "dev");
        var metrics = evaluator.Evaluate(scorer.Score);

        Assert.Equal(["dev_map", "dev_mrr@10", "dev_ndcg@10"], metrics.Keys.Order());
        Assert.Equal("dev_ndcg@10", evaluator.PrimaryMetric);
        Assert.Equal((0.5 + (0.5 + 0.5 * 2 / 3.0) + 0) / 3, metrics["dev_map"], 12);
        Assert.Equal((0.5 + 1 + 0) / 3, metrics["dev_mrr@10"], 12);
        Assert.Equal((D1 / D0 + (D0 + 0.5 * (D1 + D2)) / (D0 + D1) + 0) / 3, metrics["dev_ndcg@10"], 12);

        // One call with every pair of the samples that have a positive, positives first.
        var call = Assert.Single(scorer.Calls);
        Assert.Equal([("q1", "p1"), ("q1", "n1"), ("q1", "n2"), ("q2", "p2"), ("q2", "p3"), ("q2", "n3")], call);
    }

    // Sample A: positives pa, pb; the retriever returned x, pa, y (missed pb). Sample B: positive pc; returned only z.
    static RerankingSample[] DocumentSamples() =>
    [
        RerankingSample.WithDocuments("qa", ["pa", "pb"], ["x", "pa", "y"]),
        RerankingSample.WithDocuments("qb", ["pc"], ["z"]),
    ];

    // Base: A's given order with pb appended has relevance 0, 1, 0, 1 → MRR ½, NDCG (d1 + d3)/(d0 + d1), AP (½ + 2/4)/2;
    // B's documents hold no positive → 0.
    static void AssertBaseMetrics(IReadOnlyDictionary<string, double> metrics)
    {
        Assert.Equal((0.5 + 0) / 2, metrics["retrieved_base_map"], 12);
        Assert.Equal((0.5 + 0) / 2, metrics["retrieved_base_mrr@10"], 12);
        Assert.Equal(((D1 + D3) / (D0 + D1) + 0) / 2, metrics["retrieved_base_ndcg@10"], 12);
    }

    [Fact]
    public void DocumentsWithAllPositivesReranked()
    {
        var scorer = new FakeScorer(Scores);
        var metrics = new RerankingEvaluator(DocumentSamples(), name: "retrieved").Evaluate(scorer.Score);

        // A: candidates pa, pb, x, y ranked x, pa, pb, y → MRR ½, NDCG (d1 + d2)/(d0 + d1), AP (½ + ⅔)/2.
        // B: candidates pc, z ranked pc, z → 1, 1, 1.
        Assert.Equal(((0.5 + 2 / 3.0) / 2 + 1) / 2, metrics["retrieved_map"], 12);
        Assert.Equal((0.5 + 1) / 2, metrics["retrieved_mrr@10"], 12);
        Assert.Equal(((D1 + D2) / (D0 + D1) + 1) / 2, metrics["retrieved_ndcg@10"], 12);
        AssertBaseMetrics(metrics);
        Assert.Equal(6, metrics.Count);
        Assert.Equal([("qa", "pa"), ("qa", "pb"), ("qa", "x"), ("qa", "y"), ("qb", "pc"), ("qb", "z")], Assert.Single(scorer.Calls));
    }

    [Fact]
    public void DocumentsAsGivenWhenPositivesAreNotForced()
    {
        var scorer = new FakeScorer(Scores);
        var metrics = new RerankingEvaluator(DocumentSamples(), name: "retrieved", alwaysRerankPositives: false).Evaluate(scorer.Score);

        // A: x, pa, y ranked x, pa, y; the missing pb is out of the ideal too → MRR ½, NDCG d1/d0, AP ½. B: nothing relevant → 0.
        Assert.Equal(0.5 / 2, metrics["retrieved_map"], 12);
        Assert.Equal(0.5 / 2, metrics["retrieved_mrr@10"], 12);
        Assert.Equal(D1 / 2, metrics["retrieved_ndcg@10"], 12);
        AssertBaseMetrics(metrics);
        Assert.Equal([("qa", "x"), ("qa", "pa"), ("qa", "y")], Assert.Single(scorer.Calls));
    }

    [Fact]
    public void EmptyNameLeavesKeysUnprefixedAndAtKNamesThem()
    {
        var evaluator = new RerankingEvaluator(NegativeSamples, atK: 1);
        var metrics = evaluator.Evaluate(new FakeScorer(Scores).Score);
        Assert.Equal(["map", "mrr@1", "ndcg@1"], metrics.Keys.Order());
        Assert.Equal("ndcg@1", evaluator.PrimaryMetric);
        // @1: only q2 has a positive on top.
        Assert.Equal(1.0 / 3, metrics["mrr@1"], 12);
        Assert.Equal(1.0 / 3, metrics["ndcg@1"], 12);
    }

    [Fact]
    public void MalformedSamplesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new RerankingEvaluator([new RerankingSample("q", ["p"])]));
        Assert.Throws<ArgumentException>(() => new RerankingEvaluator([new RerankingSample("q", ["p"], ["n"], ["p", "n"])]));
        Assert.Throws<ArgumentException>(() => new RerankingEvaluator([NegativeSamples[0], DocumentSamples()[0]]));
        Assert.Throws<ArgumentException>(() => new RerankingEvaluator([]));
    }

    [Fact]
    public void RealModelMetricsEqualMetricsOfItsOwnScores()
    {
        var pairs = FixtureModels.Pairs();
        var passages = pairs.Select(p => p.Passage).Distinct().ToList();
        Assert.True(passages.Count >= 8);
        // Each query gets its own passage as positive and a few others as negatives or retrieved documents.
        var samples = pairs.Take(4).Select((p, i) => RerankingSample.WithDocuments(
            p.Query, [p.Passage], passages.Where(x => x != p.Passage).Skip(i).Take(4).Append(p.Passage).ToList())).ToList();

        using var encoder = CrossEncoder.Load(FixtureModels.Directory("bert-tiny"));
        var reranker = new Reranker(encoder, new RerankerOptions(BatchSize: 3));
        var evaluator = new RerankingEvaluator(samples, name: "tiny", atK: 3);
        var metrics = evaluator.Evaluate(reranker);

        double map = 0, mrr = 0, ndcg = 0;
        foreach (var sample in samples)
        {
            // Always-rerank: the positive first, then the other documents.
            var candidates = sample.Positives.Concat(sample.Documents!.Where(d => !sample.Positives.Contains(d))).ToList();
            var scores = reranker.Score(candidates.Select(c => (sample.Query, c)).ToList()).Select(s => (double)s).ToList();
            var relevant = candidates.Select(sample.Positives.Contains).ToList();
            map += RankingMetrics.AveragePrecision(scores, relevant);
            mrr += RankingMetrics.ReciprocalRank(scores, relevant, 3);
            ndcg += RankingMetrics.Ndcg(scores, relevant, 3);
        }
        Assert.Equal(["tiny_base_map", "tiny_base_mrr@3", "tiny_base_ndcg@3", "tiny_map", "tiny_mrr@3", "tiny_ndcg@3"], metrics.Keys.Order());
        Assert.Equal(map / samples.Count, metrics["tiny_map"], 9);
        Assert.Equal(mrr / samples.Count, metrics["tiny_mrr@3"], 9);
        Assert.Equal(ndcg / samples.Count, metrics["tiny_ndcg@3"], 9);
        // The positive is last of five in every given order: MRR@3 0, NDCG@3 0, AP ⅕.
        Assert.Equal(0, metrics["tiny_base_mrr@3"]);
        Assert.Equal(0, metrics["tiny_base_ndcg@3"]);
        Assert.Equal(0.2, metrics["tiny_base_map"], 12);
        Assert.All(metrics.Values, v => Assert.InRange(v, 0, 1));
    }
}
