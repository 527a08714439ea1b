using RerankExperiments.Data;
using RerankExperiments.Torch.Randomness;

namespace RerankExperiments.Training;

/// <summary>
/// FlagEmbedding's train_group_size sampling, redrawn every time an example is used: one positive drawn uniformly
/// among the passages labelled &gt; 0, placed first, then GroupSize − 1 negatives drawn without replacement among
/// the others; when there are too few, the negative list is repeated ⌈(G − 1) / n⌉ times first, so repeats are
/// allowed (each at most that many times). Labels and teacher scores follow their passages.
/// </summary>
public sealed class GroupSampler
{
    public GroupSampler(int groupSize)
    {
        GroupSize = groupSize >= 2 ? groupSize : throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, "must be ≥ 2");
    }

    public int GroupSize { get; }

    /// <summary>
    /// Fails before training, not at the step that first draws a bad example: every example needs a positive and a
    /// negative. The message counts the examples that lack one and names the first.
    /// </summary>
    public void CheckAll(IReadOnlyList<RankingExample> examples)
    {
        var noPositive = examples.Where(e => !e.Labels.Any(l => l > 0)).ToList();
        var noNegative = examples.Where(e => !e.Labels.Any(l => l <= 0)).ToList();
        if (noPositive.Count > 0)
            throw new ArgumentException($"{noPositive.Count} of {examples.Count} training examples have no positive passage (label > 0) to build a group of {GroupSize} from, e.g. '{noPositive[0].Query}'.");
        if (noNegative.Count > 0)
            throw new ArgumentException($"{noNegative.Count} of {examples.Count} training examples have no negative passage (label ≤ 0) to build a group of {GroupSize} from, e.g. '{noNegative[0].Query}'. " +
                "Mine hard negatives for them, or drop them (mining.drop_short: true).");
    }

    public RankingExample Sample(RankingExample example, DeterministicRandom random)
    {
        var positives = new List<int>();
        var negatives = new List<int>();
        for (int i = 0; i < example.Passages.Count; i++) (example.Labels[i] > 0 ? positives : negatives).Add(i);
        if (positives.Count == 0) throw new ArgumentException($"Example '{example.Query}' has no positive passage (label > 0) to build a group from.");
        if (negatives.Count == 0) throw new ArgumentException($"Example '{example.Query}' has no negative passage (label ≤ 0) to build a group from.");

        int positive = positives[random.Next(positives.Count)];
        int wanted = GroupSize - 1;
        int copies = (wanted + negatives.Count - 1) / negatives.Count;
        var pool = Enumerable.Repeat(negatives, copies).SelectMany(n => n).ToArray();
        // Partial Fisher–Yates: the first `wanted` slots are a uniform draw without replacement.
        for (int i = 0; i < wanted; i++)
        {
            int j = i + random.Next(pool.Length - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        int[] chosen = [positive, .. pool.AsSpan(0, wanted)];
        return new RankingExample(example.Query, chosen.Select(i => example.Passages[i]).ToList(), chosen.Select(i => example.Labels[i]).ToList(),
            example.TeacherScores is { } teacher ? chosen.Select(i => teacher[i]).ToList() : null);
    }
}
