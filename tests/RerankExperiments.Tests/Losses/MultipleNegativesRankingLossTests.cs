using RerankExperiments.Data;
using RerankExperiments.Losses;
using static RerankExperiments.Tests.Losses.LossCheck;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Losses;

public sealed class MultipleNegativesRankingLossTests
{
    // Three anchors, each with its positive and one hard negative.
    static readonly RankingExample[] Batch =
    [
        RankingExample.Group("q0", "p0", ["n0"]),
        RankingExample.Group("q1", "p1", ["n1"]),
        RankingExample.Group("q2", "p2", ["n2"]),
    ];

    static readonly string[] AllPassages = ["p0", "n0", "p1", "n1", "p2", "n2"];

    static TableScorer Scorer(IReadOnlyList<RankingExample> batch) =>
        TableScorer.ForAll(
            from e in batch from other in batch from p in other.Passages select (e.Query, p),
            (q, p) => 2.5 * Math.Sin(7.0 * q.Sum(c => c) + 3.0 * p.Sum(c => c * (double)c)));

    [Fact]
    public void With_all_negatives_it_matches_the_hand_computation()
    {
        using var scorer = Scorer(Batch);
        var (value, gradient) = Run(new MultipleNegativesRankingLoss(seed: 1, numNegatives: null), Batch, scorer);

        // Anchor i's candidates: its positive, the other rows' four passages, its hard negative (6 in all).
        // z = 10·σ(s);  loss = (1/3) Σ_i (log Σ_c e^{z_ic} − z_i,pos);  ∂/∂s_ic = (softmax(z_i)_c − [c = pos])·10·σ(s)(1 − σ(s)) / 3
        double expected = 0;
        var expectedGradient = new Dictionary<(string, string), double>();
        for (int i = 0; i < 3; i++)
        {
            string q = $"q{i}";
            string[] candidates = [$"p{i}", .. AllPassages.Where(p => !p.EndsWith($"{i}", StringComparison.Ordinal)), $"n{i}"];
            Assert.Equal(6, candidates.Length);
            double[] z = candidates.Select(p => 10 * Sigmoid(scorer.S(q, p))).ToArray();
            double logSumExp = Math.Log(z.Sum(Math.Exp));
            expected += (logSumExp - z[0]) / 3;
            for (int c = 0; c < candidates.Length; c++)
            {
                double sig = Sigmoid(scorer.S(q, candidates[c]));
                Add(expectedGradient, q, candidates[c], (Math.Exp(z[c] - logSumExp) - (c == 0 ? 1 : 0)) * 10 * sig * (1 - sig) / 3);
            }
        }
        Close(expected, value, "loss");
        Gradient(scorer, gradient, expectedGradient);
        Assert.Equal(18, scorer.AllPairs.Count());
    }

    [Fact]
    public void Rows_of_different_lengths_and_other_settings_match_the_hand_computation()
    {
        RankingExample[] batch = [RankingExample.Group("q0", "p0", ["n0a", "n0b"]), RankingExample.Group("q1", "p1", [])];
        using var scorer = Scorer(batch);
        var loss = new MultipleNegativesRankingLoss(seed: 3, numNegatives: 10, scale: 2.0, activation: LossActivation.Identity);
        var (value, gradient) = Run(loss, batch, scorer);

        // numNegatives ≥ pool: all. q0: p0 | p1 | n0a n0b; q1: p1 | p0 n0a n0b. z = 2·s.
        (string Q, string[] C)[] rows = [("q0", ["p0", "p1", "n0a", "n0b"]), ("q1", ["p1", "p0", "n0a", "n0b"])];
        double expected = 0;
        var expectedGradient = new Dictionary<(string, string), double>();
        foreach (var (q, candidates) in rows)
        {
            double[] z = candidates.Select(p => 2 * scorer.S(q, p)).ToArray();
            double[] softmax = Softmax(z);
            expected += -Math.Log(softmax[0]) / 2;
            for (int c = 0; c < candidates.Length; c++) Add(expectedGradient, q, candidates[c], (softmax[c] - (c == 0 ? 1 : 0)) * 2 / 2);
        }
        Close(expected, value, "loss");
        Gradient(scorer, gradient, expectedGradient);
    }

    [Fact]
    public void Sampling_takes_k_distinct_candidates_from_other_rows()
    {
        using var scorer = Scorer(Batch);
        using var value = new MultipleNegativesRankingLoss(seed: 5, numNegatives: 2).Compute(Batch, scorer);
        var pairs = scorer.Calls.Single();
        Assert.Equal(3 * (1 + 2 + 1), pairs.Count);
        for (int i = 0; i < 3; i++)
        {
            var row = pairs.Skip(4 * i).Take(4).ToList();
            Assert.All(row, p => Assert.Equal($"q{i}", p.Query));
            Assert.Equal($"p{i}", row[0].Passage);
            Assert.Equal($"n{i}", row[3].Passage);
            Assert.All(row.Skip(1).Take(2), p => Assert.False(p.Passage.EndsWith($"{i}", StringComparison.Ordinal)));
            Assert.NotEqual(row[1].Passage, row[2].Passage);
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_loss_and_other_seeds_sample_differently()
    {
        using var scorer = Scorer(Batch);
        (double Value, List<(string, string)> Pairs) Draw(long seed)
        {
            scorer.Calls.Clear();
            using var value = new MultipleNegativesRankingLoss(seed, numNegatives: 2).Compute(Batch, scorer);
            return (value.item<float>(), scorer.Calls.Single());
        }
        var first = Draw(11);
        var again = Draw(11);
        Assert.Equal(first.Value, again.Value);
        Assert.Equal(first.Pairs, again.Pairs);
        Assert.Contains(Enumerable.Range(12, 8), seed => !Draw(seed).Pairs.SequenceEqual(first.Pairs));

        // One generator carries on across batches: the second batch's draw differs from the first's (usually).
        var shared = new MultipleNegativesRankingLoss(11, numNegatives: 2);
        var draws = Enumerable.Range(0, 5).Select(_ =>
        {
            scorer.Calls.Clear();
            using var value = shared.Compute(Batch, scorer);
            return scorer.Calls.Single();
        }).ToList();
        Assert.Equal(first.Pairs, draws[0]);
        Assert.Contains(draws.Skip(1), d => !d.SequenceEqual(draws[0]));
    }

    [Theory]
    [InlineData(null, 5)]
    [InlineData(3, 5)]
    [InlineData(2, 32)]
    [InlineData(3, 1)]
    public void Cached_gradients_equal_the_uncached_ones(int? numNegatives, int miniBatchSize)
    {
        RankingExample[] batch =
        [
            RankingExample.Group("q0", "p0", ["n0a", "n0b"]),
            RankingExample.Group("q1", "p1", ["n1a", "n1b"]),
            RankingExample.Group("q2", "p2", ["n2a", "n2b"]),
            RankingExample.Group("q3", "p3", ["n3a", "n3b"]),
        ];
        using var scorer = Scorer(batch);
        var (plainValue, plainGradient) = Run(new MultipleNegativesRankingLoss(seed: 7, numNegatives), batch, scorer);

        scorer.ZeroGrad();
        scorer.Calls.Clear();
        var cached = new CachedMultipleNegativesRankingLoss(seed: 7, numNegatives, miniBatchSize: miniBatchSize);
        double cachedValue = cached.ComputeWithBackward(batch, scorer, l => l);
        var cachedGradient = scorer.Gradient();

        Close(plainValue, cachedValue, "loss");
        Assert.Contains(plainGradient, g => g != 0);
        for (int i = 0; i < plainGradient.Length; i++)
            Assert.True(Math.Abs(plainGradient[i] - cachedGradient[i]) <= 1e-6, $"entry {i}: {plainGradient[i]} vs {cachedGradient[i]}");
        Assert.All(scorer.Calls, c => Assert.True(c.Count <= miniBatchSize));
        int pairs = scorer.Calls.Sum(c => c.Count) / 2; // scored once without grad, once with
        Assert.Equal(pairs, scorer.Calls.Take(scorer.Calls.Count / 2).Sum(c => c.Count));

        // The trainer's scaling applies to every chunk's backward.
        scorer.ZeroGrad();
        new CachedMultipleNegativesRankingLoss(seed: 7, numNegatives, miniBatchSize: miniBatchSize).ComputeWithBackward(batch, scorer, l => l.mul(0.25));
        var scaled = scorer.Gradient();
        for (int i = 0; i < plainGradient.Length; i++)
            Assert.True(Math.Abs(0.25 * plainGradient[i] - scaled[i]) <= 1e-6, $"scaled entry {i}");
    }

    [Fact]
    public void Cached_compute_is_the_plain_loss_and_backward_leaves_the_cpu_generator_alone()
    {
        using var scorer = Scorer(Batch);
        var (plainValue, plainGradient) = Run(new MultipleNegativesRankingLoss(seed: 9, numNegatives: 3), Batch, scorer);
        var (cachedValue, cachedGradient) = Run(new CachedMultipleNegativesRankingLoss(seed: 9, numNegatives: 3, miniBatchSize: 4), Batch, scorer);
        Close(plainValue, cachedValue, "loss");
        for (int i = 0; i < plainGradient.Length; i++) Assert.True(Math.Abs(plainGradient[i] - cachedGradient[i]) <= 1e-6);

        using var before = get_rng_state();
        new CachedMultipleNegativesRankingLoss(seed: 9, numNegatives: 3, miniBatchSize: 4).ComputeWithBackward(Batch, scorer, l => l);
        using var after = get_rng_state();
        Assert.Equal(before.data<byte>().ToArray(), after.data<byte>().ToArray());
    }
}
