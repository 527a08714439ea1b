using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Losses;
using RerankExperiments.Modeling;

namespace RerankExperiments.Training;

/// <summary>
/// Fine-tunes a cross-encoder as sentence-transformers' CrossEncoderTrainer (and FlagEmbedding's reranker
/// trainer) do: AdamW with decoupled weight decay, a warm-up schedule, gradient accumulation and clipping, mixed
/// precision with fp32 master weights, periodic evaluation, checkpoints, best-model tracking, early stopping.
/// Runs are deterministic for a seed, and a run resumed from a checkpoint continues exactly as if it had never
/// stopped: the checkpoint holds the weights, the optimizer and loss-scaler state, both random generators and the
/// data position.
/// </summary>
public sealed class CrossEncoderTrainer
{
    /// <summary>
    /// Trains <paramref name="model"/> in place on <paramref name="train"/>.
    /// </summary>
    /// <param name="model">Trained in place; it ends in its original dtype (fp32 master weights after bf16/fp16 training).</param>
    /// <param name="train">Training examples; with group_size set, groups are sampled from them at every use.</param>
    /// <param name="loss">The objective; an <see cref="ISelfBackwardLoss"/> runs backward itself.</param>
    /// <param name="options">Hyperparameters, schedule, checkpointing.</param>
    /// <param name="evaluators">Run every eval_steps and at the end; their metrics pick the best model.</param>
    /// <param name="callbacks">Logging, tracking, progress; null for none.</param>
    /// <param name="resumeFrom">A checkpoint folder, or "latest" for the newest one in the output folder.</param>
    /// <param name="cancellationToken">
    /// Cancellation finishes the current step, saves a checkpoint and returns with <see cref="TrainingResult.Cancelled"/>.
    /// </param>
    public TrainingResult Train(CrossEncoder model, IReadOnlyList<RankingExample> train, IRankingLoss loss, IReadOnlyList<IEvaluator> evaluators,
        TrainingOptions options, ITrainingCallback? callbacks = null, string? resumeFrom = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(evaluators);
        options = (options ?? throw new ArgumentNullException(nameof(options))).Validated();
        if (train.Count == 0) throw new ArgumentException("No training examples.", nameof(train));
        foreach (var example in train) example.Validated();
        using var run = new TrainingRun(model, train, loss, evaluators, options, callbacks ?? NoCallbacks.Instance, cancellationToken);
        return run.Execute(resumeFrom);
    }

    sealed class NoCallbacks : ITrainingCallback
    {
        public static readonly NoCallbacks Instance = new();
    }
}
