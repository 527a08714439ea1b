using RerankExperiments.Data;
using RerankExperiments.Losses;
using RerankExperiments.Tests.Support;
using RerankExperiments.Training;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Training;

/// <summary>Non-finite losses: each such step is skipped and counted; K in a row stop training with a clear error.</summary>
public sealed class TrainerDivergenceTests
{
    /// <summary>Listwise CE, except that the steps in <paramref name="nanSteps"/> (1-based calls) return NaN.</summary>
    sealed class NaNOnSomeSteps(IReadOnlySet<int> nanSteps) : IRankingLoss
    {
        readonly ListwiseCrossEntropyLoss _inner = new(4);
        int _calls;

        public string Name => "nan-on-some-steps";

        public Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer)
        {
            var loss = _inner.Compute(batch, scorer);
            return nanSteps.Contains(++_calls) ? loss * double.NaN : loss;
        }
    }

    static TrainingResult Train(IRankingLoss loss, int maxSteps, int maxConsecutive, TemporaryDirectory directory)
    {
        using var model = TinyRerankTask.Model(seed: 2);
        var options = new TrainingOptions
        {
            OutputDir = directory.Path, MaxSteps = maxSteps, BatchSize = 4, LearningRate = 1e-3, SaveSteps = 2, LoggingSteps = 1,
            MaxConsecutiveSkippedSteps = maxConsecutive,
        };
        return new CrossEncoderTrainer().Train(model, TinyRerankTask.Examples(16, groupSize: 4, seed: 3), loss, [], options);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void Isolated_nan_steps_are_skipped_and_counted()
    {
        using var directory = new TemporaryDirectory();
        var result = Train(new NaNOnSomeSteps(new HashSet<int> { 2, 3, 5 }), maxSteps: 6, maxConsecutive: 3, directory);
        Assert.Equal(6, result.GlobalSteps);
        Assert.Equal(3, result.SkippedSteps);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void K_nan_steps_in_a_row_stop_training_with_advice_and_keep_the_last_checkpoint()
    {
        using var directory = new TemporaryDirectory();
        var error = Assert.Throws<TrainingDivergedException>(() => Train(new NaNOnSomeSteps(Enumerable.Range(3, 100).ToHashSet()), maxSteps: 20, maxConsecutive: 4, directory));
        Assert.Equal(6, error.Step);
        Assert.Equal(4, error.ConsecutiveSkips);
        Assert.Contains("steps 3–6 (4 in a row) had a non-finite (NaN or infinite) loss or gradient", error.Message);
        Assert.Contains("Lower training.learning_rate", error.Message);
        // Training stops before step 6's save: the last checkpoint (step 4, whose weights are step 2's: skipped steps do
        // not update) is intact and is what a rerun resumes from.
        Assert.Equal(Path.Combine(directory.Path, "checkpoint-4"), Checkpoints.FindLatest(directory.Path));
    }
}
