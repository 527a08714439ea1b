using RerankExperiments.Torch.Randomness;

namespace RerankExperiments.Data;

/// <summary>
/// FlagEmbedding's train groups: for each record, one positive drawn at random (index 0) and G − 1 negatives drawn
/// without replacement — from the negatives repeated ⌈(G − 1)/n⌉ times when there are fewer than G − 1 of them,
/// so a negative may appear more than once. Drawn afresh every epoch from a seeded generator; teacher scores follow
/// their passages.
/// </summary>
public static class GroupSampler
{
    public static RankingExample Sample(QueryPosNegRecord record, int groupSize, DeterministicRandom random)
    {
        if (groupSize < 2) throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, "must be ≥ 2");
        if (record.Negatives.Count == 0) throw new ArgumentException($"The record for '{record.Query}' has no negatives; a group of {groupSize} needs them.");
        int positive = random.Next(record.Positives.Count);
        int wanted = groupSize - 1;
        int copies = record.Negatives.Count >= wanted ? 1 : (wanted + record.Negatives.Count - 1) / record.Negatives.Count;
        var pool = Enumerable.Range(0, copies).SelectMany(_ => Enumerable.Range(0, record.Negatives.Count)).ToList();
        // Partial Fisher–Yates: the first `wanted` entries are a uniform sample without replacement.
        for (int i = 0; i < wanted; i++)
        {
            int j = i + random.Next(pool.Count - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        var chosen = pool.Take(wanted).ToList();
        IReadOnlyList<float>? teacher = record.PositiveScores is not null && record.NegativeScores is not null
            ? [record.PositiveScores[positive], .. chosen.Select(n => record.NegativeScores[n])]
            : null;
        return RankingExample.Group(record.Query, record.Positives[positive], chosen.Select(n => record.Negatives[n]).ToList(), teacher);
    }
}
