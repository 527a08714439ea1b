namespace RerankExperiments.Torch.Schedules;

/// <summary>
/// Linear decay after warm-up: f(s) = s / w for s &lt; w, else max(0, (T − s) / max(1, T − w)), reaching 0 at
/// the last step T (transformers' linear schedule).
/// </summary>
public sealed record LinearSchedule(long TotalSteps, long WarmupSteps = 0) : ILearningRateSchedule
{
    public double Factor(long step) =>
        Warmup.Factor(step, WarmupSteps) ?? Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps));
}
