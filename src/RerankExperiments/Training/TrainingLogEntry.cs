namespace RerankExperiments.Training;

/// <summary>One line of the log history (trainer_state.json's log_history): a training log or an evaluation.</summary>
/// <param name="Step">The optimizer step it was logged after.</param>
/// <param name="Epoch">Epochs done, fractional.</param>
/// <param name="Kind">"train" or "eval".</param>
/// <param name="Values">Training: loss, learning_rate, grad_norm, epoch, pairs_per_second, skipped_steps (+ loss_scale); evaluation: the evaluators' metrics.</param>
public sealed record TrainingLogEntry(long Step, double Epoch, string Kind, IReadOnlyDictionary<string, double> Values);
