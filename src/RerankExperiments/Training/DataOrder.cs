using RerankExperiments.Torch.Randomness;

namespace RerankExperiments.Training;

/// <summary>
/// The order examples are seen in: each epoch a permutation drawn from a generator seeded by (seed, epoch) alone,
/// so a resumed run rebuilds any epoch's batches from its position (epoch, batch index) without replaying the
/// run. With length grouping, transformers' group_by_length: the permutation is cut into mega-batches of 50
/// batches, each sorted longest first (by the lengths given: <see cref="ExampleTokenLengths"/>) and split into
/// batches, and the longest example of the epoch is swapped to the front so the first batch shows memory trouble at once.
/// </summary>
public sealed class DataOrder
{
    /// <summary>Batches per mega-batch, transformers' constant.</summary>
    public const int MegaBatchFactor = 50;

    readonly int _count;
    readonly IReadOnlyList<int>? _lengths;

    /// <param name="count">Examples.</param>
    /// <param name="batchSize">Examples per batch.</param>
    /// <param name="groupingLengths">Each example's length to group by; null: no length grouping.</param>
    /// <param name="dropLast">Drop the last, incomplete batch of an epoch.</param>
    /// <param name="seed">The run's seed.</param>
    public DataOrder(int count, int batchSize, IReadOnlyList<int>? groupingLengths, bool dropLast, long seed)
    {
        if (count == 0) throw new ArgumentException("No training examples.", nameof(count));
        if (groupingLengths is not null && groupingLengths.Count != count)
            throw new ArgumentException($"{groupingLengths.Count} lengths for {count} examples.", nameof(groupingLengths));
        BatchSize = batchSize;
        DropLast = dropLast;
        Seed = seed;
        _count = count;
        _lengths = groupingLengths;
        BatchesPerEpoch = dropLast ? count / batchSize : (count + batchSize - 1) / batchSize;
        if (BatchesPerEpoch == 0)
            throw new ArgumentException($"{count} examples make no full batch of {batchSize} with the last batch dropped.", nameof(count));
    }

    public int BatchSize { get; }
    public bool LengthGrouping => _lengths is not null;
    public bool DropLast { get; }
    public long Seed { get; }
    public int BatchesPerEpoch { get; }

    /// <summary>The batches of <paramref name="epoch"/>, as example indices.</summary>
    public IReadOnlyList<int[]> Epoch(int epoch)
    {
        // A stream of its own per epoch, apart from the checkpointed sampling generator, so the permutation is a
        // pure function of (seed, epoch).
        var random = new DeterministicRandom(Seeding.DeriveSeed(Seed ^ 0x5EED_0F_DA7AL, epoch));
        var order = Enumerable.Range(0, _count).ToArray();
        random.Shuffle(order);
        if (_lengths is { } lengths) order = GroupByLength(order, lengths);
        var batches = new List<int[]>(BatchesPerEpoch);
        for (int start = 0; start < order.Length && batches.Count < BatchesPerEpoch; start += BatchSize)
            batches.Add(order.AsSpan(start, Math.Min(BatchSize, order.Length - start)).ToArray());
        return batches;
    }

    int[] GroupByLength(int[] permutation, IReadOnlyList<int> lengths)
    {
        int megaBatch = MegaBatchFactor * BatchSize;
        var chunks = permutation.Chunk(megaBatch)
            .Select(chunk => chunk.OrderByDescending(i => lengths[i]).ToArray()) // stable: ties keep the shuffled order
            .ToList();
        int longest = 0;
        for (int c = 1; c < chunks.Count; c++)
            if (lengths[chunks[c][0]] > lengths[chunks[longest][0]]) longest = c;
        (chunks[0][0], chunks[longest][0]) = (chunks[longest][0], chunks[0][0]);
        return chunks.SelectMany(c => c).ToArray();
    }
}
