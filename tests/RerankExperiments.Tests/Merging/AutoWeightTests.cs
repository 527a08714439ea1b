using RerankExperiments.Data;
using RerankExperiments.Merging;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Merging;

public sealed class AutoWeightTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    /// <summary>Hand-made losses by model folder; records the groups it was given.</summary>
    sealed class FixedLosses(Dictionary<string, double> losses) : IExampleLoss
    {
        public List<IReadOnlyList<RankingExample>> Seen { get; } = [];

        public double MeanLoss(string modelDirectory, IReadOnlyList<RankingExample> groups, AutoWeightOptions options)
        {
            Seen.Add(groups);
            return losses[modelDirectory];
        }
    }

    static readonly RankingExample Example = RankingExample.Group("what is a reranker", "a model that reorders retrieved passages",
        ["a recipe for bread", "the weather in Paris", "a poem about the sea"]);

    [Fact]
    public void Automatic_weights_are_softmax_of_minus_loss_over_temperature()
    {
        string a = MergeTestModels.Create(_directory.File("a"), FixtureModels.Directory("bert-tiny"), 1);
        string b = MergeTestModels.Create(_directory.File("b"), FixtureModels.Directory("bert-tiny"), 2);
        var losses = new FixedLosses(new() { [a] = 0.5, [b] = 1.5 });
        var result = new ModelMerger(losses).MergeWithData([a, b], new AutoWeightOptions { Examples = [Example] }, _directory.File("merged"));

        // By hand, τ = 5 (LM-Cocktail's default): −L/τ = (−0.1, −0.3);
        // w_a = e^−0.1 / (e^−0.1 + e^−0.3) = 1 / (1 + e^−0.2) = 1 / 1.8187307530779820 = 0.54983399731247795,
        // w_b = 1 − w_a = 0.45016600268752205.
        Assert.Equal(0.54983399731247795, result.Weights[0], 1e-15);
        Assert.Equal(0.45016600268752205, result.Weights[1], 1e-15);
        Assert.Equal([0.5, 1.5], result.Losses!);
        Assert.Equal(5.0, result.Temperature);

        // Both models were scored on the same groups: one per positive, positive first, 7 negatives (3 repeated ⌈7/3⌉ times at most).
        Assert.Same(losses.Seen[0], losses.Seen[1]);
        var group = Assert.Single(losses.Seen[0]);
        Assert.Equal(8, group.Passages.Count);
        Assert.Equal(Example.Passages[0], group.Passages[0]);
        Assert.All(group.Passages.Skip(1).GroupBy(p => p), g => Assert.InRange(g.Count(), 1, 3));

        // And the merge used those weights.
        const string name = "classifier.weight";
        double[] x = MergeTestModels.Values(a, name), y = MergeTestModels.Values(b, name);
        Assert.Equal(x.Select((v, k) => (double)(float)(result.Weights[0] * v + result.Weights[1] * y[k])), MergeTestModels.Values(result.OutputDirectory, name));
    }

    [Fact]
    public void Weights_from_losses_follow_the_formula_and_stay_finite()
    {
        Assert.Equal([0.5, 0.5], LossWeights.FromLosses([2.0, 2.0], 5.0));
        // softmax(−(0, 1000)/1): e^−1000 underflows to 0 without overflowing anything.
        Assert.Equal([1.0, 0.0], LossWeights.FromLosses([0.0, 1000.0], 1.0));
        Assert.Throws<ArgumentException>(() => LossWeights.FromLosses([double.NaN, 1.0], 5.0));
        Assert.Throws<ArgumentException>(() => LossWeights.FromLosses([1.0], 0.0));
    }

    [Fact]
    public void Groups_are_seeded_one_per_positive_and_need_negatives()
    {
        var two = new RankingExample("q", ["p1", "p2", "n1", "n2"], [1f, 1f, 0f, 0f]);
        var groups = LossGroups.Build([two], negNumber: 5, seed: 7);
        Assert.Equal(["p1", "p2"], groups.Select(g => g.Passages[0]));
        Assert.All(groups, g =>
        {
            Assert.Equal(6, g.Passages.Count);
            Assert.Equal([1f, 0f, 0f, 0f, 0f, 0f], g.Labels);
            Assert.All(g.Passages.Skip(1).GroupBy(p => p), n => Assert.InRange(n.Count(), 2, 3));
        });
        Assert.Equal(groups.Select(g => g.Passages), LossGroups.Build([two], 5, 7).Select(g => g.Passages));
        Assert.Contains("no negatives", Assert.Throws<ArgumentException>(() => LossGroups.Build([new RankingExample("q", ["p"], [1f])], 7, 42)).Message);
    }

    [Fact]
    public void The_reranker_loss_is_the_mean_group_cross_entropy_of_the_model_scores()
    {
        string model = FixtureModels.Directory("bert-tiny");
        var options = new AutoWeightOptions { Examples = [Example], NegNumber = 3 };
        var groups = LossGroups.Build([Example], options.NegNumber, options.Seed);
        double loss = new ListwiseExampleLoss().MeanLoss(model, groups, options);

        // With all 3 negatives in the group the order does not matter: L = log Σ exp(s) − s₊ over the model's logits.
        using var encoder = CrossEncoder.Load(model);
        var logits = new Reranker(encoder).Logits(Example.Passages.Select(p => (Example.Query, p)).ToList()).Select(l => (double)l[0]).ToArray();
        double expected = Math.Log(logits.Sum(Math.Exp)) - logits[0];
        Assert.Equal(expected, loss, 1e-5);
    }
}
