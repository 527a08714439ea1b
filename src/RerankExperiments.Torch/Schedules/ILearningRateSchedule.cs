namespace RerankExperiments.Torch.Schedules;

/// <summary>
/// A learning-rate multiplier per optimizer step, as transformers' LambdaLR schedules define it: step 0 is the
/// first update, and the learning rate of step s is peak × <see cref="Factor"/>(s).
/// </summary>
public interface ILearningRateSchedule
{
    /// <summary>Warm-up steps: the factor rises linearly from 0 at step 0 to 1 at this step.</summary>
    long WarmupSteps { get; }

    /// <summary>The multiplier of the peak learning rate at optimizer step <paramref name="step"/> (from 0).</summary>
    double Factor(long step);
}
