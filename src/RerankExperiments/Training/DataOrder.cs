using RerankExperiments.Data;
using RerankExperiments.Torch.Randomness;

namespace RerankExperiments.Training;

/// <summary>
/// The order examples are seen in: each epoch a permutation drawn from a generator seeded by (seed, epoch) alone,
/// so a resumed run rebuilds any epoch's batches from its position (epoch, batch index) without replaying the
/// run. With length grouping, transformers' group_by_length: the permutation is cut into mega-batches of 50
/// batches, each sorted longest first and split into batches, and the longest example of the epoch is swapped to
/// the front so the first batch shows memory trouble at once.
/// </summary>
public sealed class DataOrder
{
    /// <summary>Batches per mega-batch, transformers' constant.</summary>
    public const int MegaBatchFactor = 50;

    readonly int[] _lengths;

    public DataOrder(IReadOnlyList<RankingExample> examples, int batchSize, bool lengthGrouping, bool dropLast, long seed)
    {
        if (examples.Count == 0) throw new ArgumentException("No training examples.", nameof(examples));
        BatchSize = batchSize;
        LengthGrouping = lengthGrouping;
        DropLast = dropLast;
        Seed = seed;
        _lengths = examples.Select(Length).ToArray();
        BatchesPerEpoch = dropLast ? examples.Count / batchSize : (examples.Count + batchSize - 1) / batchSize;
        if (BatchesPerEpoch == 0)
            throw new ArgumentException($"{examples.Count} examples make no full batch of {batchSize} with the last batch dropped.", nameof(examples));
    }

    public int BatchSize { get; }
    public bool LengthGrouping { get; }
    public bool DropLast { get; }
    public long Seed { get; }
    public int BatchesPerEpoch { get; }

    /// <summary>The size an example's text counts as for length grouping: characters of the query and all passages.</summary>
    public static int Length(RankingExample example) => example.Query.Length + example.Passages.Sum(p => p.Length);

    /// <summary>The batches of <paramref name="epoch"/>, as example indices.</summary>
    public IReadOnlyList<int[]> Epoch(int epoch)
    {
        // A stream of its own per epoch, apart from the checkpointed sampling generator, so the permutation is a
        // pure function of (seed, epoch).
        var random = new DeterministicRandom(Seeding.DeriveSeed(Seed ^ 0x5EED_0F_DA7AL, epoch));
        var order = Enumerable.Range(0, _lengths.Length).ToArray();
        random.Shuffle(order);
        if (LengthGrouping) order = GroupByLength(order);
        var batches = new List<int[]>(BatchesPerEpoch);
        for (int start = 0; start < order.Length && batches.Count < BatchesPerEpoch; start += BatchSize)
            batches.Add(order.AsSpan(start, Math.Min(BatchSize, order.Length - start)).ToArray());
        return batches;
    }

    int[] GroupByLength(int[] permutation)
    {
        int megaBatch = MegaBatchFactor * BatchSize;
        var chunks = permutation.Chunk(megaBatch)
            .Select(chunk => chunk.OrderByDescending(i => _lengths[i]).ToArray()) // stable: ties keep the shuffled order
            .ToList();
        int longest = 0;
        for (int c = 1; c < chunks.Count; c++)
            if (_lengths[chunks[c][0]] > _lengths[chunks[longest][0]]) longest = c;
        (chunks[0][0], chunks[longest][0]) = (chunks[longest][0], chunks[0][0]);
        return chunks.SelectMany(c => c).ToArray();
    }
}
