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
    ScoreActivation activation = ScoreActivation.Identity,
    string name = "lambda") : IRankingLoss
{
    public string Name { get; } = name;

    public LambdaWeightingScheme WeightingScheme { get; } = weightingScheme;

    public double Mu { get; } = mu;

    public int? K { get; } = k is null or >= 1 ? k : throw new ArgumentOutOfRangeException(nameof(k), k, "must be ≥ 1 or null");

    public double Sigma { get; } = sigma;

    public double Eps { get; } = eps;

    public bool NaturalLog { get; } = naturalLog;

    public ScoreActivation Activation { get; } = activation;

    public Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer)
    {
        var grouped = GroupedPairs.From(batch, Name);
        using var scope = NewDisposeScope();
        var scores = Activation.Apply(scorer.Score(grouped.Pairs));
        var pieces = new List<Tensor>();
        for (int q = 0; q < batch.Count; q++)
        {
            var piece = QueryPairLosses(scores.narrow(0, grouped.Offsets[q], grouped.Counts[q]), batch[q].Labels);
            if (piece is not null) pieces.Add(piece);
        }
        var loss = pieces.Count == 0 ? scores.sum().mul(0.0) : cat(pieces, 0).mean().neg();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>log_b of the weighted pair probabilities of one query's selected pairs (flat), or null if none.</summary>
    Tensor? QueryPairLosses(Tensor scores, IReadOnlyList<float> labels)
    {
        int n = labels.Count;
        var (sorted, order) = scores.sort(dim: 0, descending: true);
        long[] byPrediction = order.data<long>().ToArray();
        double[] y = byPrediction.Select(i => (double)labels[(int)i]).ToArray();
        int top = Math.Min(K ?? n, n);

        var mask = new bool[n * n];
        int selected = 0;
        for (int i = 0; i < top; i++)
            for (int j = 0; j < top; j++)
                if (WeightingScheme == LambdaWeightingScheme.NdcgLoss1 || y[i] > y[j])
                {
                    mask[i * n + j] = true;
                    selected++;
                }
        if (selected == 0) return null;

        double[] discount = Enumerable.Range(1, n + 1).Select(r => Math.Log2(1.0 + r)).ToArray(); // D_r at index r − 1
        double maxDcg = Math.Max(Eps, labels.Select(l => Math.Max(0.0, l)).OrderDescending().Take(top)
            .Select((l, r) => (Math.Pow(2, l) - 1) / discount[r]).Sum());
        double[] gain = y.Select(l => (Math.Pow(2, Math.Max(0.0, l)) - 1) / maxDcg).ToArray();

        var weights = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                weights[i * n + j] = (float)Weight(i, j, gain, discount);

        var diffs = sorted.unsqueeze(1).sub(sorted.unsqueeze(0)).clamp(-1e8, 1e8);
        diffs = diffs.masked_fill(diffs.isnan(), 0.0);
        var w = tensor(weights, device: scores.device).view(n, n).to(scores.dtype);
        var probabilities = diffs.mul(Sigma).sigmoid().clamp_min(Eps).pow(w).clamp_min(Eps);
        var logs = NaturalLog ? probabilities.log() : probabilities.log2();
        return logs.masked_select(tensor(mask, device: scores.device).view(n, n));
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
