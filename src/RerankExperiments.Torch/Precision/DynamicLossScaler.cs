namespace RerankExperiments.Torch.Precision;

/// <summary>
/// Dynamic loss scaling for fp16 training, with torch.amp.GradScaler's rule and defaults: the loss is multiplied
/// by S before backward so small gradients survive fp16; gradients are divided by S before the update. A step
/// whose gradients hold Inf or NaN is skipped and S halves; after <see cref="GrowthInterval"/> clean steps in a
/// row S doubles.
/// </summary>
public sealed class DynamicLossScaler
{
    int _cleanSteps;

    public DynamicLossScaler(double initialScale = 65536, double growthFactor = 2.0, double backoffFactor = 0.5, int growthInterval = 2000)
    {
        if (!(initialScale > 0)) throw new ArgumentOutOfRangeException(nameof(initialScale));
        if (!(growthFactor > 1)) throw new ArgumentOutOfRangeException(nameof(growthFactor));
        if (!(backoffFactor is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(backoffFactor));
        if (growthInterval < 1) throw new ArgumentOutOfRangeException(nameof(growthInterval));
        Scale = initialScale;
        GrowthFactor = growthFactor;
        BackoffFactor = backoffFactor;
        GrowthInterval = growthInterval;
    }

    /// <summary>The current scale S.</summary>
    public double Scale { get; private set; }

    public double GrowthFactor { get; }
    public double BackoffFactor { get; }
    public int GrowthInterval { get; }

    /// <summary>Steps skipped for non-finite gradients so far.</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>Records a step's outcome and adjusts the scale.</summary>
    public void Update(bool gradientsFinite)
    {
        if (!gradientsFinite)
        {
            Scale *= BackoffFactor;
            SkippedSteps++;
            _cleanSteps = 0;
            return;
        }
        if (++_cleanSteps < GrowthInterval) return;
        Scale *= GrowthFactor;
        _cleanSteps = 0;
    }

    /// <summary>State for a checkpoint: scale, clean steps in a row, skipped steps.</summary>
    public (double Scale, int CleanSteps, long SkippedSteps) State => (Scale, _cleanSteps, SkippedSteps);

    /// <summary>Restores <see cref="State"/>.</summary>
    public void Restore((double Scale, int CleanSteps, long SkippedSteps) state)
    {
        Scale = state.Scale;
        _cleanSteps = state.CleanSteps;
        SkippedSteps = state.SkippedSteps;
    }
}
