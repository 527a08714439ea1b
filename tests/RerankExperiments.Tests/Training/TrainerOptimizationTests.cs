using RerankExperiments.Losses;
using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Precision;
using RerankExperiments.Training;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Training;

public sealed class TrainerOptimizationTests
{
    /// <summary>Copies the accumulated gradient of every step (unscaled: these runs are fp32).</summary>
    sealed class GradientRecorder : ITrainingCallback
    {
        public List<float[]> Gradients { get; } = [];

        public void OnPreOptimizerStep(long step, MixedPrecisionOptimizer optimizer) =>
            Gradients.Add(optimizer.ModelParameters.Grad.cpu().data<float>().ToArray());
    }

    [Fact]
    public void Two_accumulated_batches_of_4_give_the_gradients_of_one_batch_of_8()
    {
        var train = TinyRerankTask.Examples(32, groupSize: 4, seed: 13);
        var loss = new ListwiseCrossEntropyLoss(4);
        (GradientRecorder, TrainingResult, RerankExperiments.Modeling.CrossEncoder) Run(int batchSize, int accumulation)
        {
            using var directory = new TemporaryDirectory();
            var model = TinyRerankTask.Model(seed: 4, dropout: 0, initializerRange: 0.2); // larger gradients than the 0.02 default
            var recorder = new GradientRecorder();
            var options = new TrainingOptions
            {
                OutputDir = directory.Path, MaxSteps = 3, BatchSize = batchSize, GradientAccumulation = accumulation, LearningRate = 1e-3,
                SaveSteps = 0, LoggingSteps = 1,
            };
            return (recorder, new CrossEncoderTrainer().Train(model, train, loss, [], options, recorder), model);
        }

        var (whole, wholeResult, wholeModel) = Run(8, 1);
        var (accumulated, accumulatedResult, accumulatedModel) = Run(4, 2);
        using (wholeModel)
        using (accumulatedModel)
        {
            Assert.Equal(3, whole.Gradients.Count);
            Assert.Equal(3, accumulated.Gradients.Count);
            for (int step = 0; step < 3; step++)
            {
                double difference = whole.Gradients[step].Zip(accumulated.Gradients[step], (a, b) => Math.Abs(a - b)).Max();
                double size = whole.Gradients[step].Max(Math.Abs);
                Assert.True(size > 1e-3, $"step {step}: gradients vanish ({size})");
                Assert.True(difference <= 1e-5 && difference <= 1e-4 * size, $"step {step}: gradients differ by {difference} (largest {size})");
            }
            var wholeLosses = TrainerResumeTests.Losses(wholeResult);
            var accumulatedLosses = TrainerResumeTests.Losses(accumulatedResult);
            for (int step = 0; step < 3; step++) Assert.Equal(wholeLosses[step], accumulatedLosses[step], 1e-5);
            // Parameters are not compared element-wise: Adam's m / √v turns a gradient of ~1e-9 into a full-size update
            // whose sign float noise decides, so they differ by up to 2·lr where gradients agree to 1e-5.
        }
    }

    /// <summary>Listwise CE run as a self-backward loss, in two chunks of the batch, as gradient caching would.</summary>
    sealed class ChunkedListwise(int groupSize) : ISelfBackwardLoss
    {
        readonly ListwiseCrossEntropyLoss _inner = new(groupSize);
        public string Name => "chunked";
        public Tensor Compute(IReadOnlyList<RerankExperiments.Data.RankingExample> batch, IPairScorer scorer) => _inner.Compute(batch, scorer);

        public double ComputeWithBackward(IReadOnlyList<RerankExperiments.Data.RankingExample> batch, IPairScorer scorer, Func<Tensor, Tensor> scaleLoss)
        {
            double total = 0;
            foreach (var chunk in batch.Chunk(batch.Count / 2))
            {
                using var loss = _inner.Compute(chunk, scorer) * chunk.Length / batch.Count;
                scaleLoss(loss).backward();
                total += loss.item<float>();
            }
            return total;
        }
    }

    [Fact]
    public void A_self_backward_loss_trains_like_the_same_loss_run_by_the_trainer()
    {
        var train = TinyRerankTask.Examples(32, groupSize: 4, seed: 13);
        (GradientRecorder, TrainingResult) Run(IRankingLoss loss)
        {
            using var directory = new TemporaryDirectory();
            using var model = TinyRerankTask.Model(seed: 4, dropout: 0, initializerRange: 0.2);
            var recorder = new GradientRecorder();
            var options = new TrainingOptions { OutputDir = directory.Path, MaxSteps = 3, BatchSize = 4, GradientAccumulation = 2, SaveSteps = 0, LoggingSteps = 1 };
            return (recorder, new CrossEncoderTrainer().Train(model, train, loss, [], options, recorder));
        }
        var (plain, plainResult) = Run(new ListwiseCrossEntropyLoss(4));
        var (chunked, chunkedResult) = Run(new ChunkedListwise(4));
        for (int step = 0; step < 3; step++)
            Assert.True(plain.Gradients[step].Zip(chunked.Gradients[step], (a, b) => Math.Abs(a - b)).Max() <= 1e-5, $"step {step}");
        var expected = TrainerResumeTests.Losses(plainResult);
        var actual = TrainerResumeTests.Losses(chunkedResult);
        for (int step = 0; step < 3; step++) Assert.Equal(expected[step], actual[step], 1e-5);
    }

    [Fact]
    public void Fp16_training_skips_and_counts_overflowing_steps_and_bf16_training_runs()
    {
        var train = TinyRerankTask.Examples(32, groupSize: 4, seed: 13);
        var loss = new ListwiseCrossEntropyLoss(4);
        TrainingResult Run(PrecisionMode precision, double initialScale, out float[] parameters)
        {
            using var directory = new TemporaryDirectory();
            using var model = TinyRerankTask.Model(seed: 4);
            var options = new TrainingOptions
            {
                OutputDir = directory.Path, MaxSteps = 16, BatchSize = 4, LearningRate = 1e-3, SaveSteps = 0, LoggingSteps = 4,
                Precision = precision, InitialLossScale = initialScale,
            };
            var result = new CrossEncoderTrainer().Train(model, train, loss, [], options);
            // The model comes back in fp32 with the master weights.
            Assert.All(model.Model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
            parameters = model.Model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
            return result;
        }

        // 2^24 × the loss gradient overflows fp16 (max 65504): the scaler halves until the gradients fit.
        var fp16 = Run(PrecisionMode.Float16, Math.Pow(2, 24), out var fp16Parameters);
        Assert.InRange(fp16.SkippedSteps, 1, 15);
        Assert.Equal(16, fp16.GlobalSteps);
        var lastLog = fp16.LogHistory.Last(e => e.Kind == "train").Values;
        Assert.Equal(fp16.SkippedSteps, lastLog["skipped_steps"]);
        Assert.True(lastLog["loss_scale"] < Math.Pow(2, 24));
        Assert.All(fp16Parameters, p => Assert.True(float.IsFinite(p)));

        var bf16 = Run(PrecisionMode.BFloat16, 65536, out var bf16Parameters);
        Assert.Equal(0, bf16.SkippedSteps);
        Assert.All(bf16.LogHistory.Where(e => e.Kind == "train"), e => Assert.True(double.IsFinite(e.Values["loss"])));
        Assert.All(bf16Parameters, p => Assert.True(float.IsFinite(p)));
    }
}
