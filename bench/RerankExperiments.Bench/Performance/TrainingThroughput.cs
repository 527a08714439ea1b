using System.Diagnostics;
using RerankExperiments.Data;
using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using RerankExperiments.Tokenization;
using RerankExperiments.Torch.Precision;
using RerankExperiments.Training;
using static TorchSharp.torch;

namespace RerankExperiments.Bench.Performance;

/// <summary>
/// Training throughput of the real trainer — tokenization, collation, forward, BCE, backward, clipping, flat AdamW,
/// schedule: the whole step, data to update — for one epoch over the first <c>Examples</c> quickstart pairs, batch 16,
/// max_length 256, fp32, after two warm-up steps on a throw-away run; each step timed against the limit of its moment
/// (<see cref="AdjacentLimit"/>). Its batches are recomputed with the trainer's
/// own <see cref="DataOrder"/> (same seed), so the FLOPs counted are those of the batches it ran.
/// </summary>
public static class TrainingThroughput
{
    public const int BatchSize = 16;
    public const int MaxLength = 256;

    public static Dictionary<string, double> Run(PerformanceCase @case, QuickstartData data, Tokenizer tokenizer, string tokenizerDirectory)
    {
        var examples = data.Examples.Take(@case.Examples).ToList();
        var size = @case.Size;
        manual_seed(1);
        using var encoder = CrossEncoder.Create(size.Config(), tokenizer, tokenizerDirectory);
        var options = Options(@case.Grouped);
        Train(encoder, examples, options with { MaxSteps = 2 }, new StepClock());
        var clock = new StepClock();
        Train(encoder, examples, options, clock);
        if (clock.Limit.Units != clock.Steps) throw new InvalidOperationException($"{clock.Limit.Units} steps timed of {clock.Steps}.");

        var lengths = ExampleTokenLengths.Of(examples, tokenizer, MaxLength);
        var order = new DataOrder(examples.Count, BatchSize, @case.Grouped ? lengths : null, dropLast: false, options.Seed);
        var shapes = BatchShapes.Of(order.Epoch(0), lengths, ModelFlops.Of(size));
        var figures = new Dictionary<string, double>
        {
            ["steps"] = clock.Steps,
            ["pairs"] = examples.Count,
            ["useful_tokens"] = shapes.UsefulTokens,
            ["computed_tokens"] = shapes.ComputedTokens,
            ["useful_flops"] = ModelFlops.TrainingPasses * shapes.UsefulForwardFlops,
            ["computed_flops"] = ModelFlops.TrainingPasses * shapes.ComputedForwardFlops,
        };
        clock.Limit.AddTo(figures);
        figures["update_seconds"] = clock.UpdateSeconds;
        return figures;
    }

    static TrainingOptions Options(bool grouped) => new()
    {
        OutputDir = Path.Combine(Path.GetTempPath(), "rerank-bench-train-" + Guid.NewGuid().ToString("N")),
        Epochs = 1, BatchSize = BatchSize, LearningRate = 2e-5, WarmupRatio = 0.1, MaxLength = MaxLength,
        SaveSteps = 0, LoggingSteps = 50, Seed = 1, LengthGrouping = grouped,
    };

    static TrainingResult Train(CrossEncoder encoder, IReadOnlyList<RankingExample> examples, TrainingOptions options, ITrainingCallback callback)
    {
        try
        {
            return new CrossEncoderTrainer().Train(encoder, examples, new BinaryCrossEntropyLoss(), [], options, callback);
        }
        finally
        {
            if (Directory.Exists(options.OutputDir)) Directory.Delete(options.OutputDir, recursive: true);
        }
    }

    /// <summary>
    /// Times each step alone (from the end of the previous step's limit measurement to its own end) and measures the
    /// limit after it; the part from the optimizer hook to the step's end (clipping, AdamW, zeroing, schedule) is
    /// summed apart as <see cref="UpdateSeconds"/>: the per-step cost that does not shrink with the batch.
    /// </summary>
    sealed class StepClock : ITrainingCallback
    {
        readonly Stopwatch _clock = new();
        double _beforeUpdate;

        public AdjacentLimit Limit { get; } = new();
        public long Steps { get; private set; }
        public double UpdateSeconds { get; private set; }

        public void OnTrainBegin(long startStep, long totalSteps) => _clock.Restart();

        public void OnPreOptimizerStep(long step, MixedPrecisionOptimizer optimizer) =>
            _beforeUpdate = _clock.Elapsed.TotalSeconds;

        public void OnStepEnd(long step, long totalSteps)
        {
            Steps = step;
            double seconds = _clock.Elapsed.TotalSeconds;
            UpdateSeconds += seconds - _beforeUpdate;
            Limit.Record(seconds);
            _clock.Restart();
        }
    }
}
