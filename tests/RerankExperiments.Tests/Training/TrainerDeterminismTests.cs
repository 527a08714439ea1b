using RerankExperiments.Losses;
using RerankExperiments.Tests.Support;
using RerankExperiments.Training;

namespace RerankExperiments.Tests.Training;

public sealed class TrainerDeterminismTests
{
    static TrainingResult Run(long seed)
    {
        using var directory = new TemporaryDirectory();
        using var model = TinyRerankTask.Model(seed: 1);
        var train = TinyRerankTask.Examples(48, groupSize: 6, seed: 3);
        var dev = TinyRerankTask.Examples(12, groupSize: 6, seed: 4, positiveFirst: false);
        var options = new TrainingOptions
        {
            OutputDir = directory.Path, MaxSteps = 10, BatchSize = 4, GroupSize = 4, LearningRate = 1e-3, LoggingSteps = 1, EvalSteps = 5,
            SaveSteps = 0, Seed = seed,
        };
        return new CrossEncoderTrainer().Train(model, train, new ListwiseCrossEntropyLoss(4), [new MrrEvaluator("dev", dev)], options);
    }

    [Fact]
    public void One_seed_gives_identical_losses_and_metrics_and_another_seed_does_not()
    {
        var first = Run(seed: 8);
        var second = Run(seed: 8);
        var other = Run(seed: 9);

        Assert.Equal(TrainerResumeTests.Losses(first), TrainerResumeTests.Losses(second));
        Assert.Equal(first.FinalMetrics, second.FinalMetrics);
        var evaluations = first.LogHistory.Where(e => e.Kind == "eval").Select(e => e.Values["dev_mrr@10"]);
        Assert.Equal(evaluations, second.LogHistory.Where(e => e.Kind == "eval").Select(e => e.Values["dev_mrr@10"]));
        Assert.NotEqual(TrainerResumeTests.Losses(first), TrainerResumeTests.Losses(other));
    }
}
