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
