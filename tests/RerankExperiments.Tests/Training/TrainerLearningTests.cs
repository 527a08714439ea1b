using System.Diagnostics;
using RerankExperiments.Losses;
using RerankExperiments.Tests.Support;
using RerankExperiments.Training;
using Xunit.Abstractions;

namespace RerankExperiments.Tests.Training;

public sealed class TrainerLearningTests(ITestOutputHelper output)
{
    [Fact]
    public void A_tiny_model_learns_the_synthetic_task_to_mrr_0_9_in_200_steps()
    {
        using var directory = new TemporaryDirectory();
        using var model = TinyRerankTask.Model(seed: 3);
        var train = TinyRerankTask.Examples(1600, groupSize: 4, seed: 11);
        var dev = TinyRerankTask.Examples(60, groupSize: 8, seed: 12, positiveFirst: false);
        var options = new TrainingOptions
        {
            OutputDir = directory.Path, MaxSteps = 200, BatchSize = 8, LearningRate = 1e-3, WarmupRatio = 0.1, SaveSteps = 0,
            EvalSteps = 100, LoggingSteps = 50, Seed = 7,
        };
        var clock = Stopwatch.StartNew();
        var result = new CrossEncoderTrainer().Train(model, train, new ListwiseCrossEntropyLoss(4), [new MrrEvaluator("dev", dev)], options);
        clock.Stop();
        foreach (var entry in result.LogHistory) output.WriteLine($"{entry.Kind} {entry.Step}: {string.Join(", ", entry.Values.Select(v => $"{v.Key}={v.Value:G4}"))}");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(200, result.GlobalSteps);
        Assert.True(result.FinalMetrics["dev_mrr@10"] >= 0.9, $"MRR@10 {result.FinalMetrics["dev_mrr@10"]:F3}");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"took {clock.Elapsed}");
        Assert.NotNull(result.LastCheckpoint); // the final checkpoint
    }
}
