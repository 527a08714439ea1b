namespace RerankExperiments.Merging;

/// <summary>
/// The rules merge weights obey. There must be one finite weight per model; negative weights are allowed (as in
/// LM-Cocktail, which checks nothing but the sum). With <c>normalize</c> (the default) the weights must sum to 1
/// within <see cref="SumTolerance"/> on either side, and are then divided by their sum so the weights applied sum to
/// 1 exactly (0.333, 0.333, 0.334 and 1/3 each merge alike). LM-Cocktail's <c>mix_models</c> asserts only
/// <c>sum(w) − 1 ≤ 1e-3</c>, a one-sided check that lets sums below 1 through unscaled; this is stricter on purpose.
/// Without <c>normalize</c> the weights are used exactly as given, whatever their sum (task arithmetic,
/// extrapolation).
/// </summary>
public static class MergeWeights
{
    /// <summary>How far from 1 normalized weights may sum (LM-Cocktail's tolerance).</summary>
    public const double SumTolerance = 1e-3;

    /// <summary>The weights to apply, checked as above; throws <see cref="ArgumentException"/> saying what is wrong.</summary>
    public static double[] Resolve(IReadOnlyList<double> weights, int modelCount, bool normalize = true)
    {
        if (modelCount < 1) throw new ArgumentException("A merge needs at least one model.");
        if (weights.Count != modelCount)
            throw new ArgumentException($"{weights.Count} weight(s) given for {modelCount} model(s); give exactly one weight per model.");
        for (int i = 0; i < weights.Count; i++)
            if (!double.IsFinite(weights[i])) throw new ArgumentException($"Weight {i + 1} is {weights[i]}; weights must be finite.");
        if (!normalize) return [.. weights];
        double sum = weights.Sum();
        if (Math.Abs(sum - 1) > SumTolerance)
            throw new ArgumentException(
                $"The weights sum to {sum:R}; they must sum to 1 (±{SumTolerance}). Use normalize: false (--no-normalize) to apply them as given.");
        return weights.Select(w => w / sum).ToArray();
    }
}
