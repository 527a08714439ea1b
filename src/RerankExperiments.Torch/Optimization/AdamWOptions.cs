namespace RerankExperiments.Torch.Optimization;

/// <summary>AdamW hyperparameters; the defaults are PyTorch's, except weight decay, which is the Hugging Face Trainer's 0.01.</summary>
public sealed record AdamWOptions(
    double LearningRate = 1e-3,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8,
    double WeightDecay = 0.01)
{
    /// <summary>Throws for values AdamW cannot use.</summary>
    public AdamWOptions Validated()
    {
        if (!(LearningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be ≥ 0");
        if (!(Beta1 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "must be in [0, 1)");
        if (!(Beta2 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "must be in [0, 1)");
        if (!(Epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "must be > 0");
        if (!(WeightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "must be ≥ 0");
        return this;
    }
}
