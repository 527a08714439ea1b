using RerankExperiments.Torch.Precision;

namespace RerankExperiments.Training;

/// <summary>
/// Training stopped because <see cref="ConsecutiveSkips"/> steps in a row, ending at <see cref="Step"/>, had a
/// non-finite loss or gradient and were skipped (<see cref="TrainingOptions.MaxConsecutiveSkippedSteps"/>). The
/// weights are those of the last applied step; the last checkpoint is untouched. The message says what to change.
/// </summary>
public sealed class TrainingDivergedException(long step, int consecutiveSkips, PrecisionMode precision)
    : Exception($"Training diverged: steps {step - consecutiveSkips + 1}–{step} ({consecutiveSkips} in a row) had a non-finite (NaN or infinite) loss or gradient " +
        $"and were skipped. {Advice(precision)} The last checkpoint is intact; fix the setting and run again to resume from it.")
{
    public long Step { get; } = step;

    public int ConsecutiveSkips { get; } = consecutiveSkips;

    static string Advice(PrecisionMode precision) => precision == PrecisionMode.Float16
        ? "In fp16 the loss scale could not recover: train in bf16 (or fp32), or lower the learning rate."
        : "Lower training.learning_rate, keep training.max_grad_norm on, and check the data for empty or extreme examples.";
}
