namespace RerankExperiments.Merging;

/// <summary>LM-Cocktail's weights from losses: wᵢ = exp(−Lᵢ / τ) / Σⱼ exp(−Lⱼ / τ), the lower loss weighing more.</summary>
public static class LossWeights
{
    /// <summary>softmax(−loss / τ), computed with the largest exponent subtracted first so no exp overflows.</summary>
    public static double[] FromLosses(IReadOnlyList<double> losses, double temperature)
    {
        if (losses.Count == 0) throw new ArgumentException("No losses to weigh.");
        if (!double.IsFinite(temperature) || temperature <= 0) throw new ArgumentException($"Temperature is {temperature}; it must be finite and > 0.");
        for (int i = 0; i < losses.Count; i++)
            if (!double.IsFinite(losses[i])) throw new ArgumentException($"Model {i + 1}'s loss is {losses[i]}; a weight needs a finite loss.");
        var logits = losses.Select(l => -l / temperature).ToArray();
        double max = logits.Max();
        var exponentials = logits.Select(x => Math.Exp(x - max)).ToArray();
        double sum = exponentials.Sum();
        return exponentials.Select(e => e / sum).ToArray();
    }
}
