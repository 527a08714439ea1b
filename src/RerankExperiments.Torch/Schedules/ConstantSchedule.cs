namespace RerankExperiments.Torch.Schedules;

/// <summary>Constant after warm-up: f(s) = s / w for s &lt; w, else 1 (transformers' constant_with_warmup).</summary>
public sealed record ConstantSchedule(long WarmupSteps = 0) : ILearningRateSchedule
{
    public double Factor(long step) => Warmup.Factor(step, WarmupSteps) ?? 1.0;
}
