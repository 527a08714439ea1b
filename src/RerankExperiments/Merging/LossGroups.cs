using RerankExperiments.Data;
using RerankExperiments.Torch.Randomness;
using RerankExperiments.Training;

namespace RerankExperiments.Merging;

/// <summary>
/// The groups every model's loss is measured on, as LM-Cocktail's reranker support (FlagEmbedding PR #809) forms
/// them: one group per (query, positive) — the positive first, then neg_number negatives of that query drawn
/// without replacement, the negative list repeated ⌈neg_number / n⌉ times first when it is shorter (repeats
/// allowed), as FlagEmbedding's training does (<see cref="GroupSampler"/>). Examples and their positives are taken
/// in order, all draws from one <see cref="DeterministicRandom"/> seeded with <c>seed</c>, so a seed gives the same
/// groups every time, and every model is scored on the same groups.
/// </summary>
public static class LossGroups
{
    public static IReadOnlyList<RankingExample> Build(IReadOnlyList<RankingExample> examples, int negNumber, long seed)
    {
        var sampler = new GroupSampler(negNumber + 1);
        var random = new DeterministicRandom(seed);
        var groups = new List<RankingExample>();
        foreach (var raw in examples)
        {
            var example = raw.Validated();
            var negatives = Enumerable.Range(0, example.Passages.Count).Where(i => example.Labels[i] <= 0).Select(i => example.Passages[i]).ToList();
            var positives = Enumerable.Range(0, example.Passages.Count).Where(i => example.Labels[i] > 0).Select(i => example.Passages[i]).ToList();
            if (positives.Count == 0) throw new ArgumentException($"Example '{example.Query}' has no positive passage.");
            if (negatives.Count == 0) throw new ArgumentException($"Example '{example.Query}' has no negatives; each group needs {negNumber}.");
            foreach (string positive in positives)
                groups.Add(sampler.Sample(RankingExample.Group(example.Query, positive, negatives), random));
        }
        return groups;
    }
}
