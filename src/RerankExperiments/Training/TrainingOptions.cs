using RerankExperiments.Torch.Precision;
using RerankExperiments.Torch.Schedules;

namespace RerankExperiments.Training;

/// <summary>
/// Settings of <see cref="CrossEncoderTrainer"/>, named after transformers' TrainingArguments where one exists.
/// Defaults are the Hugging Face Trainer's, except weight decay (0.01, FlagEmbedding's reranker recipe and the
/// project's AdamW default) and logging every 50 steps instead of 500 (fine-tunes here are often short).
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Where checkpoint-&lt;step&gt;/ folders go.</summary>
    public string OutputDir { get; init; } = "output";

    /// <summary>Passes over the training data (fractions allowed); ignored when <see cref="MaxSteps"/> &gt; 0.</summary>
    public double Epochs { get; init; } = 3;

    /// <summary>Optimizer steps to run; &gt; 0 overrides <see cref="Epochs"/> (the data then cycles over epochs).</summary>
    public long MaxSteps { get; init; } = -1;

    /// <summary>Examples (queries with their passage group) per micro-batch.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Pairs per forward pass in evaluation.</summary>
    public int EvalBatchSize { get; init; } = 64;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 5e-5;

    /// <summary>AdamW decoupled weight decay, applied to all weights but biases and normalisation weights.</summary>
    public double WeightDecay { get; init; } = 0.01;

    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Warm-up as a fraction of the total steps (used when <see cref="WarmupSteps"/> is 0).</summary>
    public double WarmupRatio { get; init; }

    /// <summary>Warm-up steps; wins over <see cref="WarmupRatio"/> when &gt; 0.</summary>
    public long WarmupSteps { get; init; }

    /// <summary>Learning-rate schedule: constant, linear or cosine.</summary>
    public string Scheduler { get; init; } = "linear";

    /// <summary>Micro-batches whose gradients are averaged into one optimizer step.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Global gradient-norm clipping; null or 0 turns it off.</summary>
    public double? MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// A step whose loss or gradient is not finite (NaN, ±Inf) is skipped and counted; this many in a row means the
    /// run has diverged (or fp16's loss scale cannot recover), and training stops with <see cref="TrainingDivergedException"/>.
    /// </summary>
    public int MaxConsecutiveSkippedSteps { get; init; } = 25;

    /// <summary>
    /// On running out of memory in a step, retry it with each micro-batch split in two (then four, …) chunks whose
    /// gradients accumulate, weighted by <see cref="Losses.IRankingLoss.Units"/>: the effective batch and the gradient stay
    /// those of the configured batch. The split holds for the rest of the run. Off: the step fails with advice.
    /// </summary>
    public bool OomBackoff { get; init; }

    /// <summary>Compute dtype; master weights and optimizer state stay fp32 in every mode.</summary>
    public PrecisionMode Precision { get; init; } = PrecisionMode.Float32;

    /// <summary>Starting loss scale of fp16 training (torch.amp.GradScaler's 65536).</summary>
    public double InitialLossScale { get; init; } = 65536;

    /// <summary>Token limit of a (query, passage) pair; null takes the model's own.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Seeds torch (dropout), the epoch shuffles and group sampling.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Evaluate every this many steps (0: only at the end, when evaluators are given).</summary>
    public long EvalSteps { get; init; }

    /// <summary>Save a checkpoint every this many steps (0: only at the end, on a new best, and on cancellation).</summary>
    public long SaveSteps { get; init; } = 500;

    /// <summary>Checkpoints kept on disk (oldest deleted first, never the best); null keeps all.</summary>
    public int? SaveTotalLimit { get; init; }

    /// <summary>The metric key that picks the best model; null takes the first evaluator's primary metric.</summary>
    public string? MetricForBestModel { get; init; }

    /// <summary>Null: true unless the metric name ends in "loss" (transformers' rule).</summary>
    public bool? GreaterIsBetter { get; init; }

    /// <summary>Load the best checkpoint's weights into the model when training ends.</summary>
    public bool LoadBestModelAtEnd { get; init; }

    /// <summary>Stop after this many evaluations in a row without improvement; null never stops early.</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>An evaluation improves only when it beats the best by more than this.</summary>
    public double EarlyStoppingThreshold { get; init; }

    /// <summary>Log the mean training loss, learning rate and gradient norm every this many steps.</summary>
    public long LoggingSteps { get; init; } = 50;

    /// <summary>
    /// transformers' group_by_length: batches of examples of similar length, so less padding; the order stays
    /// random at the mega-batch level (50 batches).
    /// </summary>
    public bool LengthGrouping { get; init; }

    /// <summary>
    /// FlagEmbedding's train_group_size: when set, every time an example is drawn it becomes one positive (drawn
    /// among the passages with label &gt; 0) plus GroupSize − 1 negatives sampled among the others (repeated when too
    /// few). Null trains on the examples as given.
    /// </summary>
    public int? GroupSize { get; init; }

    /// <summary>Drop the last, smaller batch of each epoch (dataloader_drop_last).</summary>
    public bool DropLastBatch { get; init; }

    /// <summary>Threads that tokenize a batch; 0 uses all cores.</summary>
    public int DataloaderWorkers { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first option that cannot be used.</summary>
    public TrainingOptions Validated()
    {
        if (string.IsNullOrWhiteSpace(OutputDir)) throw Invalid(nameof(OutputDir), "must name a folder");
        if (MaxSteps <= 0 && !(Epochs > 0 && double.IsFinite(Epochs))) throw Invalid(nameof(Epochs), $"is {Epochs}; give epochs > 0 or max_steps > 0");
        if (BatchSize < 1) throw Invalid(nameof(BatchSize), $"is {BatchSize}; must be ≥ 1");
        if (EvalBatchSize < 1) throw Invalid(nameof(EvalBatchSize), $"is {EvalBatchSize}; must be ≥ 1");
        if (!(LearningRate >= 0 && double.IsFinite(LearningRate))) throw Invalid(nameof(LearningRate), $"is {LearningRate}; must be ≥ 0");
        if (!(WeightDecay >= 0)) throw Invalid(nameof(WeightDecay), $"is {WeightDecay}; must be ≥ 0");
        if (!(AdamBeta1 is >= 0 and < 1)) throw Invalid(nameof(AdamBeta1), $"is {AdamBeta1}; must be in [0, 1)");
        if (!(AdamBeta2 is >= 0 and < 1)) throw Invalid(nameof(AdamBeta2), $"is {AdamBeta2}; must be in [0, 1)");
        if (!(AdamEpsilon > 0)) throw Invalid(nameof(AdamEpsilon), $"is {AdamEpsilon}; must be > 0");
        if (!(WarmupRatio is >= 0 and <= 1)) throw Invalid(nameof(WarmupRatio), $"is {WarmupRatio}; must be in [0, 1]");
        if (WarmupSteps < 0) throw Invalid(nameof(WarmupSteps), $"is {WarmupSteps}; must be ≥ 0");
        try { LearningRateSchedules.Create(Scheduler ?? "", totalSteps: 1); }
        catch (ArgumentException) { throw Invalid(nameof(Scheduler), $"is '{Scheduler}'; use one of {string.Join(", ", LearningRateSchedules.Names)}"); }
        if (GradientAccumulation < 1) throw Invalid(nameof(GradientAccumulation), $"is {GradientAccumulation}; must be ≥ 1");
        if (MaxConsecutiveSkippedSteps < 1) throw Invalid(nameof(MaxConsecutiveSkippedSteps), $"is {MaxConsecutiveSkippedSteps}; must be ≥ 1");
        if (MaxGradNorm is { } norm && !(norm >= 0)) throw Invalid(nameof(MaxGradNorm), $"is {norm}; must be ≥ 0 (0 or null: no clipping)");
        if (!(InitialLossScale > 0 && double.IsFinite(InitialLossScale))) throw Invalid(nameof(InitialLossScale), $"is {InitialLossScale}; must be > 0");
        if (MaxLength is < 2) throw Invalid(nameof(MaxLength), $"is {MaxLength}; must be ≥ 2");
        if (EvalSteps < 0) throw Invalid(nameof(EvalSteps), $"is {EvalSteps}; must be ≥ 0");
        if (SaveSteps < 0) throw Invalid(nameof(SaveSteps), $"is {SaveSteps}; must be ≥ 0");
        if (SaveTotalLimit is < 1) throw Invalid(nameof(SaveTotalLimit), $"is {SaveTotalLimit}; must be ≥ 1 (null keeps all)");
        if (EarlyStoppingPatience is < 1) throw Invalid(nameof(EarlyStoppingPatience), $"is {EarlyStoppingPatience}; must be ≥ 1");
        if (!(EarlyStoppingThreshold >= 0)) throw Invalid(nameof(EarlyStoppingThreshold), $"is {EarlyStoppingThreshold}; must be ≥ 0");
        if (LoggingSteps < 1) throw Invalid(nameof(LoggingSteps), $"is {LoggingSteps}; must be ≥ 1");
        if (GroupSize is < 2) throw Invalid(nameof(GroupSize), $"is {GroupSize}; a group is one positive and at least one negative");
        if (DataloaderWorkers < 0) throw Invalid(nameof(DataloaderWorkers), $"is {DataloaderWorkers}; must be ≥ 0");
        return this;
    }

    /// <summary>Whether a larger value of <paramref name="metric"/> is better (explicit setting, else transformers' name rule).</summary>
    public bool IsGreaterBetter(string metric) => GreaterIsBetter ?? !metric.EndsWith("loss", StringComparison.OrdinalIgnoreCase);

    static ArgumentException Invalid(string option, string problem) => new($"Training option {option} {problem}.", option);
}
