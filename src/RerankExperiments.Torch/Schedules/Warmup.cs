namespace RerankExperiments.Torch.Schedules;

/// <summary>The linear warm-up every schedule starts with, and the warm-up length from a ratio.</summary>
public static class Warmup
{
    /// <summary>step / max(1, warmup) during warm-up; null after it.</summary>
    public static double? Factor(long step, long warmupSteps) =>
        step < warmupSteps ? (double)step / Math.Max(1, warmupSteps) : null;

    /// <summary>
    /// Warm-up steps as the Hugging Face Trainer derives them: explicit steps when given (> 0), else
    /// ⌈total × ratio⌉.
    /// </summary>
    public static long Steps(long totalSteps, long warmupSteps = 0, double warmupRatio = 0)
    {
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "must be ≥ 0");
        if (!(warmupRatio is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(warmupRatio), warmupRatio, "must be in [0, 1]");
        return warmupSteps > 0 ? warmupSteps : (long)Math.Ceiling(totalSteps * warmupRatio);
    }
}
