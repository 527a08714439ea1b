using RerankExperiments.Torch.Precision;

namespace RerankExperiments.Training;

/// <summary>
/// Hooks into a training run (experiment tracking, progress display, tests). Every method has an empty default,
/// so a callback implements only what it needs. Callbacks run on the training thread between steps.
/// </summary>
public interface ITrainingCallback
{
    /// <summary>Before the first step of this run (<paramref name="startStep"/> &gt; 0 when resuming).</summary>
    void OnTrainBegin(long startStep, long totalSteps) { }

    /// <summary>
    /// After the gradients of step <paramref name="step"/> (from 1) are accumulated, before clipping and the update:
    /// <see cref="MixedPrecisionOptimizer.ModelParameters"/>' Grad holds them (scaled by the loss scale in fp16).
    /// </summary>
    void OnPreOptimizerStep(long step, MixedPrecisionOptimizer optimizer) { }

    /// <summary>After every optimizer step (from 1).</summary>
    void OnStepEnd(long step, long totalSteps) { }

    /// <summary>Every logging_steps: loss (mean since the last log), learning_rate, grad_norm, epoch, pairs_per_second…</summary>
    void OnLog(long step, IReadOnlyDictionary<string, double> metrics) { }

    /// <summary>After an evaluation, with every evaluator's metrics.</summary>
    void OnEvaluate(long step, IReadOnlyDictionary<string, double> metrics) { }

    /// <summary>
    /// Step <paramref name="step"/> ran out of memory and is retried with each micro-batch split into
    /// <paramref name="splits"/> chunks (training.oom_backoff): at most <paramref name="examplesPerForward"/> examples per
    /// forward pass, the same effective batch and gradient.
    /// </summary>
    void OnOutOfMemoryBackoff(long step, int splits, int examplesPerForward) { }

    /// <summary>After a checkpoint folder is complete on disk.</summary>
    void OnSave(long step, string checkpointPath) { }

    /// <summary>When the run ends (completed, stopped early or cancelled).</summary>
    void OnTrainEnd(TrainingResult result) { }
}
