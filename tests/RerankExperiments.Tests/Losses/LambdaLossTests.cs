using RerankExperiments.Data;
using RerankExperiments.Losses;
using static RerankExperiments.Tests.Losses.LossCheck;

namespace RerankExperiments.Tests.Losses;

public sealed class LambdaLossTests
{
    // Graded labels, groups of different lengths, no tied scores.
    static readonly RankingExample[] Batch =
    [
        new("q1", ["a", "b", "c", "d"], [2f, 0f, 1f, 3f]),
        new("q2", ["e", "f", "g"], [1f, 0f, 0f]),
    ];

    static TableScorer Scorer() => new(
        ("q1", "a", 0.3), ("q1", "b", 0.9), ("q1", "c", -0.4), ("q1", "d", 0.1),
        ("q2", "e", -0.2), ("q2", "f", 0.6), ("q2", "g", -1.1));

    /// <summary>
    /// LambdaLoss in float64, pair by pair. Per query: sort by score (descending), positions r = 1…n,
    /// D_r = log₂(1 + r), maxDCG = Σ_{r ≤ k} (2^{ideal_r} − 1)/D_r, G_r = (2^{y_r} − 1)/maxDCG. Pairs (i, j), i, j ≤ k,
    /// with y_i &gt; y_j (NDCG-Loss1: all). Term t_ij = w_ij·ln σ(sigma·(s_i − s_j))/ln b; loss = −mean over all pairs.
    /// ∂(−t_ij/P)/∂s_i = −w_ij·sigma·(1 − σ(sigma·(s_i − s_j)))/(ln b·P), and the opposite for s_j.
    /// </summary>
    static (double Loss, Dictionary<(string, string), double> Gradient) Reference(
        TableScorer scorer, LambdaWeightingScheme scheme, double mu = 10, int? k = null, double sigma = 1, bool natural = false)
    {
        var terms = new List<(string Q, string I, string J, double W, double X)>();
        foreach (var e in Batch)
        {
            var order = Enumerable.Range(0, e.Passages.Count).OrderByDescending(i => scorer.S(e.Query, e.Passages[i])).ToArray();
            int n = order.Length, top = Math.Min(k ?? n, n);
            double D(int r) => Math.Log2(1 + r); // r 1-based
            double[] ideal = e.Labels.Select(l => (double)l).OrderDescending().ToArray();
            double maxDcg = Enumerable.Range(1, top).Sum(r => (Math.Pow(2, ideal[r - 1]) - 1) / D(r));
            double[] y = order.Select(i => (double)e.Labels[i]).ToArray();
            double[] g = y.Select(l => (Math.Pow(2, l) - 1) / maxDcg).ToArray();
            for (int i = 1; i <= top; i++)
                for (int j = 1; j <= top; j++)
                {
                    if (scheme != LambdaWeightingScheme.NdcgLoss1 && !(y[i - 1] > y[j - 1])) continue;
                    double gap = Math.Abs(g[i - 1] - g[j - 1]);
                    double ndcg2 = i == j ? 0 : Math.Abs(1 / D(Math.Abs(i - j)) - 1 / D(Math.Abs(i - j) + 1)) * gap;
                    double lambdaRank = Math.Abs(1 / D(i) - 1 / D(j)) * gap;
                    double w = scheme switch
                    {
                        LambdaWeightingScheme.NoWeighting => 1,
                        LambdaWeightingScheme.NdcgLoss1 => g[i - 1] / D(i),
                        LambdaWeightingScheme.NdcgLoss2 => ndcg2,
                        LambdaWeightingScheme.LambdaRank => lambdaRank,
                        _ => mu * ndcg2 + lambdaRank,
                    };
                    string pi = e.Passages[order[i - 1]], pj = e.Passages[order[j - 1]];
                    terms.Add((e.Query, pi, pj, w, sigma * (scorer.S(e.Query, pi) - scorer.S(e.Query, pj))));
                }
        }
        double lnB = natural ? 1 : Math.Log(2);
        double loss = -terms.Average(t => t.W * Math.Log(Sigmoid(t.X)) / lnB);
        var gradient = new Dictionary<(string, string), double>();
        foreach (var t in terms)
        {
            double d = -t.W * sigma * (1 - Sigmoid(t.X)) / (lnB * terms.Count);
            Add(gradient, t.Q, t.I, d);
            Add(gradient, t.Q, t.J, -d);
        }
        return (loss, gradient);
    }

    [Theory]
    [InlineData(LambdaWeightingScheme.NdcgLoss2PlusPlus)]
    [InlineData(LambdaWeightingScheme.NdcgLoss2)]
    [InlineData(LambdaWeightingScheme.NdcgLoss1)]
    [InlineData(LambdaWeightingScheme.LambdaRank)]
    [InlineData(LambdaWeightingScheme.NoWeighting)]
    public void Each_weighting_scheme_matches_the_float64_computation(LambdaWeightingScheme scheme)
    {
        using var scorer = Scorer();
        var (value, gradient) = Run(new LambdaLoss(scheme), Batch, scorer);
        var (expected, expectedGradient) = Reference(scorer, scheme);
        Close(expected, value, "loss");
        Gradient(scorer, gradient, expectedGradient);
    }

    [Fact]
    public void K_mu_sigma_and_natural_log_are_honoured()
    {
        using var scorer = Scorer();
        var (value, gradient) = Run(new LambdaLoss(LambdaWeightingScheme.NdcgLoss2PlusPlus, mu: 3, k: 2, sigma: 1.7, naturalLog: true), Batch, scorer);
        var (expected, expectedGradient) = Reference(scorer, LambdaWeightingScheme.NdcgLoss2PlusPlus, mu: 3, k: 2, sigma: 1.7, natural: true);
        Close(expected, value, "loss");
        Gradient(scorer, gradient, expectedGradient);
    }

    [Fact]
    public void Ndcg_loss2pp_single_query_spelled_out()
    {
        // q: labels a=1, b=0; scores a=0.2 < b=0.5, so the predicted order is b (y 0), a (y 1).
        // maxDCG = (2¹ − 1)/log₂2 = 1; G = [0, 1]; the one pair is (i=2: a, j=1: b), |i − j| = 1.
        // NDCG-Loss2 weight |1/log₂2 − 1/log₂3|·1; LambdaRank |1/log₂3 − 1/log₂2|·1; w = 10·that + that = 11·(1 − 1/log₂3).
        RankingExample[] batch = [new("q", ["a", "b"], [1f, 0f])];
        using var scorer = new TableScorer(("q", "a", 0.2), ("q", "b", 0.5));
        var (value, gradient) = Run(new LambdaLoss(), batch, scorer);
        double w = 11 * (1 - 1 / Math.Log2(3));
        double x = scorer.S("q", "a") - scorer.S("q", "b");
        Close(-w * Math.Log2(Sigmoid(x)), value, "loss");
        double d = -w * (1 - Sigmoid(x)) / Math.Log(2);
        Gradient(scorer, gradient, new() { [("q", "a")] = d, [("q", "b")] = -d });
    }

    [Fact]
    public void Ranknet_is_the_unweighted_pairwise_logistic_loss()
    {
        // Pairs with different labels only: (p, n1) and (p, n2). loss = −½[log₂σ(s_p − s_n1) + log₂σ(s_p − s_n2)].
        RankingExample[] batch = [RankingExample.Group("q", "p", ["n1", "n2"]), new("r", ["x", "y"], [1f, 1f])];
        using var scorer = new TableScorer(("q", "p", 0.5), ("q", "n1", 0.2), ("q", "n2", 0.9), ("r", "x", 0.3), ("r", "y", -0.3));
        var (value, gradient) = Run(new RankNetLoss(), batch, scorer);
        double x1 = scorer.S("q", "p") - scorer.S("q", "n1"), x2 = scorer.S("q", "p") - scorer.S("q", "n2");
        Close(-0.5 * (Math.Log2(Sigmoid(x1)) + Math.Log2(Sigmoid(x2))), value, "loss");
        double d1 = -0.5 * (1 - Sigmoid(x1)) / Math.Log(2), d2 = -0.5 * (1 - Sigmoid(x2)) / Math.Log(2);
        Gradient(scorer, gradient, new() { [("q", "p")] = d1 + d2, [("q", "n1")] = -d1, [("q", "n2")] = -d2 });
    }

    [Fact]
    public void A_batch_without_ordered_pairs_gives_zero_not_nan()
    {
        RankingExample[] batch = [new("r", ["x", "y"], [1f, 1f])];
        using var scorer = new TableScorer(("r", "x", 0.3), ("r", "y", -0.3));
        var (value, gradient) = Run(new LambdaLoss(), batch, scorer);
        Assert.Equal(0.0, value);
        Assert.All(gradient, g => Assert.Equal(0.0, g));
    }
}
