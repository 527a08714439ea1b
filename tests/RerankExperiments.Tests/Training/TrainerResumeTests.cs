using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Precision;
using RerankExperiments.Training;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Training;

public sealed class TrainerResumeTests
{
    /// <summary>Cancels the run's token at the end of a given step.</summary>
    sealed class CancelAt(long step, CancellationTokenSource source) : ITrainingCallback
    {
        public void OnStepEnd(long current, long totalSteps)
        {
            if (current == step) source.Cancel();
        }
    }

    static TrainingOptions Options(string directory, PrecisionMode precision) => new()
    {
        OutputDir = directory, MaxSteps = 12, BatchSize = 4, GroupSize = 3, LengthGrouping = true, LearningRate = 1e-3, WarmupSteps = 3,
        LoggingSteps = 1, SaveSteps = 0, Precision = precision, Seed = 5,
    };

    internal static double MaxDifference(CrossEncoder a, CrossEncoder b)
    {
        var left = a.Model.state_dict();
        double max = 0;
        foreach (var (name, tensor) in b.Model.state_dict())
        {
            using var difference = (left[name].to(ScalarType.Float64) - tensor.to(ScalarType.Float64)).abs().max();
            max = Math.Max(max, difference.item<double>());
        }
        return max;
    }

    [Trait("Category", "Faults")]
    [Theory]
    [InlineData(PrecisionMode.Float32)]
    [InlineData(PrecisionMode.BFloat16)]
    public void Half_a_run_cancelled_and_resumed_ends_where_the_straight_run_ends(PrecisionMode precision)
    {
        // Dropout on, groups re-sampled at every use, length grouping and an epoch boundary (10 batches per epoch):
        // equality needs the torch and sampling generators, the data position and the optimizer state restored.
        using var straightDirectory = new TemporaryDirectory();
        using var resumedDirectory = new TemporaryDirectory();
        var train = TinyRerankTask.Examples(40, groupSize: 6, seed: 21);
        var loss = new ListwiseCrossEntropyLoss(3);

        using var straight = TinyRerankTask.Model(seed: 1);
        var reference = new CrossEncoderTrainer().Train(straight, train, loss, [], Options(straightDirectory.Path, precision));

        using var first = TinyRerankTask.Model(seed: 1);
        using var cancellation = new CancellationTokenSource();
        var half = new CrossEncoderTrainer().Train(first, train, loss, [], Options(resumedDirectory.Path, precision), new CancelAt(6, cancellation),
            cancellationToken: cancellation.Token);
        Assert.True(half.Cancelled);
        Assert.Equal(6, half.GlobalSteps);
        Assert.Equal(Path.Combine(resumedDirectory.Path, "checkpoint-6"), half.LastCheckpoint);

        // A differently initialised model: everything must come from the checkpoint.
        using var second = TinyRerankTask.Model(seed: 99);
        var resumed = new CrossEncoderTrainer().Train(second, train, loss, [], Options(resumedDirectory.Path, precision), resumeFrom: "latest");

        Assert.False(resumed.Cancelled);
        Assert.Equal(12, resumed.GlobalSteps);
        Assert.All(second.Model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        double difference = MaxDifference(straight, second);
        Assert.True(difference <= 1e-6, $"parameters differ by {difference}");
        Assert.Equal(Losses(reference), Losses(resumed));
    }

    internal static List<double> Losses(TrainingResult result) =>
        result.LogHistory.Where(e => e.Kind == "train").Select(e => e.Values["loss"]).ToList();

    [Trait("Category", "Faults")]
    [Fact]
    public void Resuming_with_settings_that_change_the_run_is_refused()
    {
        using var directory = new TemporaryDirectory();
        var train = TinyRerankTask.Examples(16, groupSize: 3, seed: 2);
        using var model = TinyRerankTask.Model();
        var options = new TrainingOptions { OutputDir = directory.Path, MaxSteps = 2, BatchSize = 4, SaveSteps = 1 };
        new CrossEncoderTrainer().Train(model, train, new ListwiseCrossEntropyLoss(3), [], options);
        var error = Assert.Throws<InvalidOperationException>(() =>
            new CrossEncoderTrainer().Train(model, train, new ListwiseCrossEntropyLoss(3), [], options with { BatchSize = 2 }, resumeFrom: Path.Combine(directory.Path, "checkpoint-1")));
        Assert.Contains("batch_size: 4 → 2", error.Message);
    }
}
