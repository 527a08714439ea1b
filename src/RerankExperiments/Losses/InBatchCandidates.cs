using RerankExperiments.Data;
using RerankExperiments.Torch.Randomness;
using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>
/// The candidate lists of (cached) multiple-negatives ranking: for anchor i, its own positive (passage 0), then
/// k in-batch candidates drawn uniformly without replacement from every passage of the other rows (positives and
/// hard negatives alike; all of them when k is null or not smaller than that pool), then its own hard negatives
/// (passages 1…). <see cref="Pairs"/> holds every (anchor, candidate) pair row by row.
/// </summary>
internal sealed class InBatchCandidates
{
    public List<(string Query, string Passage)> Pairs { get; } = [];
    public List<int> Counts { get; } = [];
    List<int> Offsets { get; } = [];

    public int Rows => Counts.Count;

    public static InBatchCandidates Plan(IReadOnlyList<RankingExample> batch, int? numNegatives, DeterministicRandom random, string lossName)
    {
        if (batch.Count == 0) throw new ArgumentException($"{lossName}: the batch is empty.");
        var examples = batch.Select(e => e.Validated()).ToList();
        var pool = new List<(int Row, int Passage)>();
        for (int r = 0; r < examples.Count; r++)
            for (int p = 0; p < examples[r].Passages.Count; p++)
                pool.Add((r, p));

        var plan = new InBatchCandidates();
        for (int i = 0; i < examples.Count; i++)
        {
            var example = examples[i];
            var others = pool.Where(c => c.Row != i).ToList();
            int take = numNegatives is { } k && k < others.Count ? k : others.Count;
            if (take < others.Count)
                for (int t = 0; t < take; t++) // partial Fisher–Yates: the first `take` are a uniform sample
                {
                    int j = t + random.Next(others.Count - t);
                    (others[t], others[j]) = (others[j], others[t]);
                }
            plan.Offsets.Add(plan.Pairs.Count);
            plan.Pairs.Add((example.Query, example.Passages[0]));
            for (int t = 0; t < take; t++)
                plan.Pairs.Add((example.Query, examples[others[t].Row].Passages[others[t].Passage]));
            for (int p = 1; p < example.Passages.Count; p++)
                plan.Pairs.Add((example.Query, example.Passages[p]));
            plan.Counts.Add(plan.Pairs.Count - plan.Offsets[^1]);
        }
        return plan;
    }

    /// <summary>
    /// mean over rows i of −log softmax(z_i)[0], z = scale·a(logits) over row i's candidates; rows of different
    /// lengths are padded with −∞ (zero probability, zero gradient).
    /// </summary>
    public Tensor Loss(Tensor logits, double scale, LossActivation activation)
    {
        if (logits.shape.Length != 1 || logits.shape[0] != Pairs.Count)
            throw new ArgumentException($"Expected {Pairs.Count} logits, got [{string.Join(", ", logits.shape)}].");
        using var scope = NewDisposeScope();
        var z = activation.Apply(logits.to(ScalarType.Float32)).mul(scale);
        int width = Counts.Max();
        var index = new long[Rows * width];
        for (int q = 0; q < Rows; q++)
            for (int j = 0; j < width; j++)
                index[q * width + j] = j < Counts[q] ? Offsets[q] + j : Pairs.Count;
        var padded = cat([z, full(1, float.NegativeInfinity, z.dtype, z.device)], 0)
            .index_select(0, tensor(index, device: z.device)).view(Rows, width);
        var target = zeros(Rows, ScalarType.Int64, z.device);
        return nn.functional.cross_entropy(padded, target).MoveToOuterDisposeScope();
    }
}
