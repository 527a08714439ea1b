namespace RerankExperiments.Torch.Schedules;

/// <summary>
/// Cosine decay after warm-up: with progress p = (s − w) / max(1, T − w),
/// f(s) = max(0, ½ (1 + cos(π · 2c · p))) for c cycles (default ½: one half-wave from 1 to 0); s / w during
/// warm-up (transformers' cosine schedule).
/// </summary>
public sealed record CosineSchedule(long TotalSteps, long WarmupSteps = 0, double Cycles = 0.5) : ILearningRateSchedule
{
    public double Factor(long step)
    {
        if (Warmup.Factor(step, WarmupSteps) is { } warming) return warming;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * Cycles * 2.0 * progress)));
    }
}
