using RerankExperiments.Data;
using RerankExperiments.Losses;
using TorchSharp;

namespace RerankExperiments.Tests.Losses;

public sealed class LossTensorLifetimeTests
{
    static readonly RankingExample[] Batch =
    [
        new("q0", ["p0", "n0a", "n0b"], [1f, 0f, 0f], [4f, 1f, 0.5f]),
        new("q1", ["p1", "n1a"], [2f, 1f], [3f, 2f]),
    ];

    public static TheoryData<string> Names => [.. LossFactory.Names];

    [Theory]
    [MemberData(nameof(Names))]
    public void A_loss_leaves_only_its_result_alive(string name)
    {
        var loss = LossFactory.Create(name, name == "listwise-ce"
            ? new Dictionary<string, object?> { ["group_size"] = 2 }
            : new Dictionary<string, object?>());
        IReadOnlyList<RankingExample> batch = name == "listwise-ce" ? [Batch[1], new("q0", ["p0", "n0a"], [1f, 0f])] : Batch;
        using var scorer = TableScorer.ForAll(
            from e in Batch from o in Batch from p in o.Passages select (e.Query, p), (q, p) => 0.1 * (q.Length + p.Length));

        void Once()
        {
            if (loss is ISelfBackwardLoss self) self.ComputeWithBackward(batch, scorer, l => l);
            else
            {
                using var value = loss.Compute(batch, scorer);
                value.backward();
            }
        }

        Once(); // creates the parameter's .grad
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++) Once();
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after <= before, $"{name}: {after - before} tensors more alive after three batches");
    }
}
