using RerankExperiments.Torch.Randomness;

namespace RerankExperiments.Data;

/// <summary>How much of the training data to hold out for evaluation: an exact count or a fraction.</summary>
public sealed record EvalSplitSize
{
    EvalSplitSize(int? count, double? fraction) => (Count, Fraction) = (count, fraction);

    public int? Count { get; }
    public double? Fraction { get; }

    public static EvalSplitSize OfCount(int count) =>
        count >= 0 ? new(count, null) : throw new ArgumentOutOfRangeException(nameof(count), count, "An eval split cannot be negative.");

    public static EvalSplitSize OfFraction(double fraction) =>
        fraction is >= 0 and < 1 ? new(null, fraction) : throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "An eval fraction must be in [0, 1).");

    /// <summary>The number of examples out of <paramref name="total"/>; a fraction rounds to nearest.</summary>
    public int For(int total) => Count ?? (int)Math.Round(Fraction!.Value * total, MidpointRounding.AwayFromZero);
}

/// <summary>Train/eval splitting and duplicate removal for example lists.</summary>
public static class DatasetSplits
{
    /// <summary>
    /// Holds out a seeded random sample as the eval split. The same seed and input give the same split on every
    /// machine (DeterministicRandom, not System.Random, whose algorithm .NET may change). Both halves keep the input
    /// order, so the split is a selection, not a reshuffle — the trainer shuffles per epoch with its own seed.
    /// </summary>
    public static (IReadOnlyList<RankingExample> Train, IReadOnlyList<RankingExample> Eval) Split(IReadOnlyList<RankingExample> examples, EvalSplitSize size, long seed)
    {
        int evalCount = size.For(examples.Count);
        // An empty training set is a configuration mistake worth stopping for, not a run that silently trains on nothing.
        if (evalCount >= examples.Count && examples.Count > 0)
            throw new ArgumentException($"An eval split of {evalCount} leaves no training examples out of {examples.Count}.");
        var indices = Enumerable.Range(0, examples.Count).ToArray();
        new DeterministicRandom(seed).Shuffle(indices);
        var held = new bool[examples.Count];
        foreach (int i in indices.AsSpan(0, evalCount)) held[i] = true;
        var train = new List<RankingExample>(examples.Count - evalCount);
        var eval = new List<RankingExample>(evalCount);
        for (int i = 0; i < examples.Count; i++) (held[i] ? eval : train).Add(examples[i]);
        return (train, eval);
    }

    /// <summary>
    /// Drops exact duplicates — same query and same passages in the same order — keeping the first. Repeated rows
    /// (a file concatenated twice, a mining run resumed) would weight those queries double and, split across train and
    /// eval, leak eval data into training. Labels are not compared: a repeat with different labels is still the same
    /// question asked twice. Returns the kept examples and how many were dropped, for the run log.
    /// </summary>
    public static (IReadOnlyList<RankingExample> Examples, int Removed) RemoveDuplicates(IEnumerable<RankingExample> examples)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<RankingExample>();
        int removed = 0;
        foreach (var example in examples)
        {
            // \u001F (unit separator) cannot be confused with text, so ("a b", ["c"]) and ("a", ["b c"]) differ.
            string key = string.Join('\u001F', [example.Query, .. example.Passages]);
            if (seen.Add(key)) kept.Add(example);
            else removed++;
        }
        return (kept, removed);
    }
}
