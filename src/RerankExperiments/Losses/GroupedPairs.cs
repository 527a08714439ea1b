using RerankExperiments.Data;
using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>
/// A batch of examples flattened to (query, passage) pairs, example by example, with where each example's
/// passages start: example q's logits are logits[Offsets[q] .. Offsets[q] + Counts[q]).
/// </summary>
internal sealed class GroupedPairs
{
    public List<(string Query, string Passage)> Pairs { get; } = [];
    public List<int> Offsets { get; } = [];
    public List<int> Counts { get; } = [];

    public int MaxCount => Counts.Count == 0 ? 0 : Counts.Max();

    public static GroupedPairs From(IReadOnlyList<RankingExample> batch, string lossName)
    {
        if (batch.Count == 0) throw new ArgumentException($"{lossName}: the batch is empty.");
        var grouped = new GroupedPairs();
        foreach (var raw in batch)
        {
            var example = raw.Validated();
            grouped.Offsets.Add(grouped.Pairs.Count);
            grouped.Counts.Add(example.Passages.Count);
            grouped.Pairs.AddRange(example.Passages.Select(p => (example.Query, p)));
        }
        return grouped;
    }

    /// <summary>
    /// The flat values [N] laid out as a matrix [groups, MaxCount], row q holding group q's values in order and
    /// <paramref name="fill"/> after them. Differentiable in <paramref name="flat"/> (an index_select).
    /// </summary>
    public Tensor Padded(Tensor flat, float fill)
    {
        int rows = Counts.Count, width = MaxCount;
        var index = new long[rows * width];
        for (int q = 0; q < rows; q++)
            for (int j = 0; j < width; j++)
                index[q * width + j] = j < Counts[q] ? Offsets[q] + j : Pairs.Count;
        using var scope = NewDisposeScope();
        var withFill = cat([flat, full(1, fill, flat.dtype, flat.device)], 0);
        return withFill.index_select(0, tensor(index, device: flat.device)).view(rows, width).MoveToOuterDisposeScope();
    }
}
