using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tests.Training;
using RerankExperiments.Torch.StateDicts;
using RerankExperiments.Training;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// Out of memory in training: a clear error with the batch size and what to change, the last checkpoint intact; with
/// training.oom_backoff, micro-batches split until they fit and the training is the unsplit one.
/// </summary>
[Trait("Category", "Faults")]
public sealed class OutOfMemoryTests
{
    /// <summary>
    /// <paramref name="inner"/> on a device that holds at most <paramref name="maxExamples"/> examples per forward pass
    /// from call <paramref name="fromCall"/> on: a larger batch asks torch for 4 PiB, a real failure of torch's
    /// allocator, raised by TorchSharp as CUDA's "out of memory" is.
    /// </summary>
    sealed class SmallDevice(IRankingLoss inner, int maxExamples, int fromCall = 1) : IRankingLoss
    {
        int _calls;

        public List<int> ForwardSizes { get; } = [];

        public string Name => inner.Name;

        public Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer)
        {
            ForwardSizes.Add(batch.Count);
            if (++_calls >= fromCall && batch.Count > maxExamples)
                using (empty(1L << 50, dtype: ScalarType.Float32)) { }
            return inner.Compute(batch, scorer);
        }

        public double? Units(IReadOnlyList<RankingExample> examples) => inner.Units(examples);
    }

    sealed class BackoffRecorder : ITrainingCallback
    {
        public List<(long Step, int Splits, int Examples)> Backoffs { get; } = [];

        public Tensor? FirstGradient { get; private set; }

        public void OnPreOptimizerStep(long step, RerankExperiments.Torch.Precision.MixedPrecisionOptimizer optimizer)
        {
            if (step == 1) FirstGradient = optimizer.ModelParameters.Grad.detach().clone().DetachFromDisposeScope(); // the trainer disposes its step's tensors
        }

        public void OnOutOfMemoryBackoff(long step, int splits, int examplesPerForward) => Backoffs.Add((step, splits, examplesPerForward));
    }

    static TrainingOptions Options(string directory, bool backoff, int? groupSize) => new()
    {
        OutputDir = directory, MaxSteps = 4, BatchSize = 8, GradientAccumulation = 1, LearningRate = 1e-3, SaveSteps = 2, LoggingSteps = 1,
        GroupSize = groupSize, OomBackoff = backoff, Seed = 5,
    };

    /// <summary>Training examples with 3 and 5 passages mixed, so a mean over pairs and a mean over examples differ.</summary>
    static List<RankingExample> MixedExamples() =>
        [.. TinyRerankTask.Examples(12, groupSize: 3, seed: 8).Zip(TinyRerankTask.Examples(12, groupSize: 5, seed: 9), (a, b) => new[] { a, b }).SelectMany(p => p)];

    /// <summary>Trains a fresh tiny model and returns its scores of <paramref name="probe"/> afterwards.</summary>
    static float[] TrainAndScore(IRankingLoss loss, TrainingOptions options, List<RankingExample> train, IReadOnlyList<RankingExample> probe, ITrainingCallback? callback = null)
    {
        using var model = TinyRerankTask.Model(seed: 4, dropout: 0, initializerRange: 0.2);
        new CrossEncoderTrainer().Train(model, train, loss, [], options, callback);
        var reranker = new Reranker(model, new RerankerOptions(BatchSize: 16));
        return [.. probe.SelectMany(e => reranker.Score(e.Passages.Select(p => (e.Query, p)).ToList()))];
    }

    [Fact]
    public void Without_backoff_the_step_fails_naming_the_batch_and_what_to_change_and_the_last_checkpoint_stays()
    {
        using var directory = new TemporaryDirectory();
        using var model = TinyRerankTask.Model(seed: 4, dropout: 0);
        var loss = new SmallDevice(new ListwiseCrossEntropyLoss(4), maxExamples: 2, fromCall: 3);
        var error = Assert.Throws<TrainingOutOfMemoryException>(() =>
            new CrossEncoderTrainer().Train(model, TinyRerankTask.Examples(32, 4, seed: 3), loss, [], Options(directory.Path, backoff: false, groupSize: 4)));

        Assert.Contains("Out of memory on cpu in training step 3: a forward pass of 8 example(s), 32 (query, passage) pairs", error.Message);
        Assert.Contains("training.batch_size 8, gradient_accumulation 1", error.Message);
        Assert.Contains("batch_size 4, gradient_accumulation 2: the effective batch stays 8", error.Message);
        Assert.Contains("training.oom_backoff: true", error.Message);
        Assert.Contains("The last checkpoint is intact", error.Message);
        Assert.Contains("torch: ", error.Message);
        Assert.DoesNotContain("\n", error.Message); // torch's C++ stack stays in the inner exception
        Assert.Equal(Path.Combine(directory.Path, "checkpoint-2"), Checkpoints.FindLatest(directory.Path));
        using var saved = RerankExperiments.Torch.Safetensors.SafetensorsCheckpoint.Open(Path.Combine(directory.Path, "checkpoint-2", Checkpoints.ModelFolder));
        Assert.NotEmpty(saved.Names);
    }

    [Theory]
    [InlineData("listwise-ce")] // a mean over groups, groups sampled per step
    [InlineData("bce")] // a mean over pairs, examples of 3 and 5 passages
    public void With_backoff_micro_batches_split_until_they_fit_and_training_equals_the_unsplit_run(string lossName)
    {
        using var split = new TemporaryDirectory();
        using var whole = new TemporaryDirectory();
        bool grouped = lossName == "listwise-ce";
        var train = grouped ? TinyRerankTask.Examples(32, 4, seed: 3) : MixedExamples();
        IRankingLoss Loss() => LossFactory.Create(lossName, grouped ? new Dictionary<string, object?> { ["group_size"] = 4 } : []);

        var small = new SmallDevice(Loss(), maxExamples: 2);
        var recorder = new BackoffRecorder();
        var probe = TinyRerankTask.Examples(6, 4, seed: 10);
        var backedOff = TrainAndScore(small, Options(split.Path, backoff: true, grouped ? 4 : null), train, probe, recorder);
        var unsplit = new BackoffRecorder();
        var reference = TrainAndScore(Loss(), Options(whole.Path, backoff: false, grouped ? 4 : null), train, probe, unsplit);

        // Step 1: 8 examples fail, then 4, then four chunks of 2 go through; later steps start at 2.
        Assert.Equal([(1L, 2, 4), (1L, 4, 2)], recorder.Backoffs);
        Assert.Equal([8, 4, 2, 2, 2, 2], small.ForwardSizes.Take(6));
        Assert.All(small.ForwardSizes.Skip(2), size => Assert.Equal(2, size));
        // The gradient of step 1 is the unsplit batch's, to float rounding (the sums run in another order; measured 2e-7 to 7e-7).
        double gradientDifference = (recorder.FirstGradient! - unsplit.FirstGradient!).norm().item<float>() / unsplit.FirstGradient!.norm().item<float>();
        Assert.True(gradientDifference < 1e-5, $"step 1's gradient differs from the unsplit batch's by {gradientDifference:E2} (relative)");
        // So the trained models score alike. (Weights are compared through scores: AdamW turns the rounding noise of
        // gradients that are zero in exact arithmetic, like the attention keys' biases, into steps of the learning rate.)
        // Measured: 9e-8 (bce), 4e-4 (listwise-ce) after four steps.
        double scoreDifference = backedOff.Zip(reference, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(scoreDifference < 1e-3, $"scores differ by up to {scoreDifference} from the unsplit run's");
    }

    [Fact]
    public void A_loss_whose_examples_meet_in_the_batch_is_not_split_and_says_why()
    {
        using var directory = new TemporaryDirectory();
        using var model = TinyRerankTask.Model(seed: 4, dropout: 0);
        var loss = new SmallDevice(new MultipleNegativesRankingLoss(seed: 1), maxExamples: 2);
        var error = Assert.Throws<TrainingOutOfMemoryException>(() =>
            new CrossEncoderTrainer().Train(model, TinyRerankTask.Examples(32, 4, seed: 3), loss, [], Options(directory.Path, backoff: true, groupSize: null)));
        Assert.True(error.Message.Contains("training.oom_backoff cannot split batches of loss 'mnrl'"), error.Message);
        Assert.Contains("cached-mnrl", error.Message);
    }

    [Fact]
    public void One_example_that_does_not_fit_stops_the_backoff()
    {
        using var directory = new TemporaryDirectory();
        using var model = TinyRerankTask.Model(seed: 4, dropout: 0);
        var loss = new SmallDevice(new ListwiseCrossEntropyLoss(4), maxExamples: 0);
        var error = Assert.Throws<TrainingOutOfMemoryException>(() =>
            new CrossEncoderTrainer().Train(model, TinyRerankTask.Examples(32, 4, seed: 3), loss, [], Options(directory.Path, backoff: true, groupSize: 4)));
        Assert.Contains("a forward pass of 1 example(s), 4 (query, passage) pairs", error.Message);
        Assert.Contains("one example per forward pass does not fit either", error.Message);
        Assert.Equal([8, 4, 2, 1], loss.ForwardSizes);
    }

    sealed class AllocatingEvaluator : IEvaluator
    {
        public string Name => "huge";
        public string PrimaryMetric => "huge_score";

        public IReadOnlyDictionary<string, double> Evaluate(Reranker reranker)
        {
            using (empty(1L << 50, dtype: ScalarType.Float32)) { }
            return new Dictionary<string, double>();
        }
    }

    [Fact]
    public void Out_of_memory_in_evaluation_names_the_eval_batch_size()
    {
        using var directory = new TemporaryDirectory();
        using var model = TinyRerankTask.Model(seed: 4, dropout: 0);
        var options = Options(directory.Path, backoff: false, groupSize: 4) with { EvalSteps = 2, EvalBatchSize = 48 };
        var error = Assert.Throws<TrainingOutOfMemoryException>(() =>
            new CrossEncoderTrainer().Train(model, TinyRerankTask.Examples(32, 4, seed: 3), new ListwiseCrossEntropyLoss(4), [new AllocatingEvaluator()], options));
        Assert.Contains("evaluating at step 2: a forward pass of 48 pairs (training.eval_batch_size)", error.Message);
    }

    [Theory]
    [InlineData("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.10 GiB total capacity; 77.01 GiB already allocated)", true)]
    [InlineData("DefaultCPUAllocator: not enough memory: you tried to allocate 4503599627370496 bytes.", true)]
    [InlineData("CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`", true)]
    [InlineData("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", false)]
    public void Torch_allocation_failures_are_recognised_by_their_message(string message, bool outOfMemory) =>
        Assert.Equal(outOfMemory, OutOfMemory.Is(new System.Runtime.InteropServices.ExternalException(message + "\nException raised from malloc at ...")));
}
