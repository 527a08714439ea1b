namespace RerankExperiments.Training;

/// <summary>
/// Training ran out of device memory and could not go on: the message says where (training step or evaluation),
/// how big the failing forward pass was, and what to change. The last checkpoint is untouched.
/// </summary>
public sealed class TrainingOutOfMemoryException : Exception
{
    TrainingOutOfMemoryException(string message, Exception inner) : base(message, inner) { }

    /// <summary>
    /// A training step did not fit. <paramref name="examples"/> and <paramref name="pairs"/> describe the forward pass
    /// that failed; <paramref name="cannotSplit"/> names why the back-off could not help (null: it was off).
    /// </summary>
    internal static TrainingOutOfMemoryException InStep(long step, string device, int examples, int pairs, int maxLength, TrainingOptions options,
        string? cannotSplit, Exception inner)
    {
        int effective = options.BatchSize * options.GradientAccumulation;
        string keep = options.BatchSize > 1
            ? $"lower training.batch_size and raise training.gradient_accumulation by the same factor (e.g. batch_size {Math.Max(1, options.BatchSize / 2)}, " +
              $"gradient_accumulation {options.GradientAccumulation * 2}: the effective batch stays {effective}), "
            : "";
        string backoff = cannotSplit ?? "or set training.oom_backoff: true to split micro-batches automatically with the same effective batch";
        return new TrainingOutOfMemoryException(
            $"Out of memory on {device} in training step {step}: a forward pass of {examples} example(s), {pairs} (query, passage) pairs " +
            $"at up to {maxLength} tokens, did not fit (training.batch_size {options.BatchSize}, gradient_accumulation {options.GradientAccumulation}). " +
            $"To fit: {keep}lower model.max_length or loss.group_size, train in bf16 (training.precision: bf16), {backoff}. " +
            $"The last checkpoint is intact; run again to resume from it. (torch: {OutOfMemory.Summary(inner)})", inner);
    }

    /// <summary>An evaluation did not fit at <paramref name="evalBatchSize"/> pairs per forward pass.</summary>
    internal static TrainingOutOfMemoryException InEvaluation(long step, string device, int evalBatchSize, int maxLength, Exception inner) =>
        new($"Out of memory on {device} evaluating at step {step}: a forward pass of {evalBatchSize} pairs (training.eval_batch_size) at up to " +
            $"{maxLength} tokens did not fit. Lower training.eval_batch_size (scores do not depend on it) or model.max_length. " +
            $"The last checkpoint is intact; run again to resume from it. (torch: {OutOfMemory.Summary(inner)})", inner);
}
