using System.Globalization;
using System.Text;
using RerankExperiments.Modeling;

namespace RerankExperiments.Merging;

/// <summary>The model card of a merged model: what was merged, with which weights, and (automatic weights) each model's loss.</summary>
public static class MergeCard
{
    public static ModelCard For(MergeResult result)
    {
        var text = new StringBuilder();
        text.AppendLine("## Merge (LM-Cocktail)").AppendLine();
        text.AppendLine($"A weighted average of the parameters of {result.Models.Count} model(s), θ = Σᵢ wᵢ·θᵢ over every floating-point tensor " +
            "(the classifier head included; integer buffers are the first model's), computed in float64 and stored in each tensor's own dtype. " +
            "Config and tokenizer come from the first model.");
        text.AppendLine().AppendLine(result.Losses is null
            ? "Weights: given."
            : $"Weights: from each model's mean group-wise cross-entropy L on example data, w = softmax(−L / τ), τ = {Format(result.Temperature ?? double.NaN)}.");
        text.AppendLine().AppendLine(result.Losses is null ? "| model | weight |" : "| model | weight | loss |");
        text.AppendLine(result.Losses is null ? "|---|---:|" : "|---|---:|---:|");
        for (int i = 0; i < result.Models.Count; i++)
            text.AppendLine(result.Losses is null
                ? $"| `{result.Models[i]}` | {Format(result.Weights[i])} |"
                : $"| `{result.Models[i]}` | {Format(result.Weights[i])} | {Format(result.Losses[i])} |");
        return new ModelCard(Notes: text.ToString().TrimEnd());
    }

    static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
