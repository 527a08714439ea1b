using RerankExperiments.Data;
using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>
/// sentence-transformers' LambdaLoss (Wang et al. 2018) over groups of any length with graded labels. Per query,
/// the passages are sorted by predicted score a(s) (descending) and i, j are positions in that order. Pairs taken:
/// y_i &gt; y_j (for NdcgLoss1: every pair, i = j included) with i, j ≤ k (k null = all). Each contributes
/// ℓ_ij = −log_b( clamp( clamp(σ(sigma·(s_i − s_j)), eps)^{w_ij}, eps ) ), w_ij from
/// <see cref="LambdaWeightingScheme"/>, b = 2 ("binary", the default) or e ("natural"); score differences are
/// clamped to ±1e8. loss = mean of ℓ_ij over all pairs of all queries of the batch (one pool, not a mean of
/// per-query means). Defaults: NDCG-Loss2++ with mu 10, k null, sigma 1, eps 1e-10, binary log, identity a.
/// Where sentence-transformers returns NaN (no pair in the batch, e.g. all labels equal), this returns 0 (still
/// attached to the graph, zero gradient).
/// </summary>
public sealed class LambdaLoss(
    LambdaWeightingScheme weightingScheme = LambdaWeightingScheme.NdcgLoss2PlusPlus,
    double mu = 10.0,
    int? k = null,
    double sigma = 1.0,
    double eps = 1e-10,
    bool naturalLog = false,
    LossActivation activation = LossActivation.Identity,
    string name = "lambda") : IRankingLoss
{
    public string Name { get; } = name;

    /// <summary>A mean over the pairs the predicted order selects, pooled over the batch: it cannot be split.</summary>
    public double? Units(IReadOnlyList<RankingExample> examples) => null;

    public LambdaWeightingScheme WeightingScheme { get; } = weightingScheme;

    public double Mu { get; } = mu;

    public int? K { get; } = k is null or >= 1 ? k : throw new ArgumentOutOfRangeException(nameof(k), k, "must be ≥ 1 or null");

    public double Sigma { get; } = sigma;

    public double Eps { get; } = eps;

    public bool NaturalLog { get; } = naturalLog;

    public LossActivation Activation { get; } = activation;

    public Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer)
    {
        var grouped = GroupedPairs.From(batch, Name);
        int rows = batch.Count, n = grouped.MaxCount;
        using var scope = NewDisposeScope();
        var scores = Activation.Apply(scorer.Score(grouped.Pairs).to(ScalarType.Float32));
        // Shorter groups padded with −1e16, which sorts last and whose pairs are masked out.
        var (sorted, order) = grouped.Padded(scores, -1e16f).sort(dim: 1, descending: true);
        long[] byPrediction = order.cpu().data<long>().ToArray();

        var weights = new float[rows * n * n];
        var mask = new bool[rows * n * n];
        int selected = 0;
        for (int q = 0; q < rows; q++)
            selected += QueryWeights(batch[q].Labels, byPrediction.AsSpan(q * n, n), weights.AsSpan(q * n * n, n * n), mask.AsSpan(q * n * n, n * n));
        if (selected == 0) return scores.sum().mul(0.0).MoveToOuterDisposeScope();

        var device = scores.device;
        var diffs = sorted.unsqueeze(2).sub(sorted.unsqueeze(1)).clamp(-1e8, 1e8);
        diffs = diffs.masked_fill(diffs.isnan(), 0.0);
        var w = tensor(weights, device: device).view(rows, n, n);
        var probabilities = diffs.mul(Sigma).sigmoid().clamp_min(Eps).pow(w).clamp_min(Eps);
        var logs = NaturalLog ? probabilities.log() : probabilities.log2();
        var loss = logs.masked_select(tensor(mask, device: device).view(rows, n, n)).mean().neg();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One query's pair weights and pair mask over positions in predicted order (row-major [n, n], n the padded
    /// width; positions past the query's own passages stay unselected). Returns how many pairs are selected.
    /// </summary>
    int QueryWeights(IReadOnlyList<float> labels, ReadOnlySpan<long> byPrediction, Span<float> weights, Span<bool> mask)
    {
        int count = labels.Count, n = byPrediction.Length;
        var y = new double[count];
        for (int r = 0; r < count; r++) y[r] = labels[(int)byPrediction[r]]; // the real passages sort first
        int top = Math.Min(K ?? count, count);

        double[] discount = Enumerable.Range(1, n + 1).Select(r => Math.Log2(1.0 + r)).ToArray(); // discount[r] = D_{r+1} = log₂(2 + r)
        double maxDcg = Math.Max(Eps, labels.Select(l => Math.Max(0.0, l)).OrderDescending().Take(top)
            .Select((l, r) => (Math.Pow(2, l) - 1) / discount[r]).Sum());
        double[] gain = y.Select(l => (Math.Pow(2, Math.Max(0.0, l)) - 1) / maxDcg).ToArray();

        int selected = 0;
        for (int i = 0; i < top; i++)
            for (int j = 0; j < top; j++)
                if (WeightingScheme == LambdaWeightingScheme.NdcgLoss1 || y[i] > y[j])
                {
                    mask[i * n + j] = true;
                    weights[i * n + j] = (float)Weight(i, j, gain, discount);
                    selected++;
                }
        return selected;
    }

    double Weight(int i, int j, double[] gain, double[] discount)
    {
        double gainGap = Math.Abs(gain[i] - gain[j]);
        double Ndcg2()
        {
            if (i == j) return 0;
            int delta = Math.Abs(i - j);
            return Math.Abs(1 / discount[delta - 1] - 1 / discount[delta]) * gainGap;
        }
        double LambdaRank() => Math.Abs(1 / discount[i] - 1 / discount[j]) * gainGap;
        return WeightingScheme switch
        {
            LambdaWeightingScheme.NoWeighting => 1.0,
            LambdaWeightingScheme.NdcgLoss1 => gain[i] / discount[i],
            LambdaWeightingScheme.NdcgLoss2 => Ndcg2(),
            LambdaWeightingScheme.LambdaRank => LambdaRank(),
            LambdaWeightingScheme.NdcgLoss2PlusPlus => Mu * Ndcg2() + LambdaRank(),
            _ => throw new InvalidOperationException($"Unknown weighting scheme {WeightingScheme}."),
        };
    }
}
