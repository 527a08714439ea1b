namespace RerankExperiments.Modeling;

/// <summary>What is applied to a logit to make a score.</summary>
public enum ScoreActivation
{
    /// <summary>The raw logit (transformers' output; FlagReranker's default).</summary>
    None,
    /// <summary>σ(logit) ∈ (0, 1): sentence-transformers' CrossEncoder.predict default for one-label models.</summary>
    Sigmoid,
}

/// <summary>Names of activations as the CLI and sentence-transformers' config write them.</summary>
public static class ScoreActivations
{
    public static ScoreActivation Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "none" or "identity" => ScoreActivation.None,
        "sigmoid" => ScoreActivation.Sigmoid,
        _ => throw new FormatException($"Unknown activation '{text}': use none or sigmoid."),
    };

    /// <summary>The torch class name sentence-transformers stores in config.json's sentence_transformers.activation_fn.</summary>
    public static string TorchClassName(this ScoreActivation activation) => activation switch
    {
        ScoreActivation.Sigmoid => "torch.nn.modules.activation.Sigmoid",
        _ => "torch.nn.modules.linear.Identity",
    };

    /// <summary>
    /// CrossEncoder's default: config.json's sentence_transformers.activation_fn (or the legacy
    /// sbert_ce_default_activation_function), else sigmoid for one label and identity otherwise.
    /// </summary>
    public static ScoreActivation DefaultFor(ModelConfig config)
    {
        string? stored = (config.Json["sentence_transformers"] as System.Text.Json.Nodes.JsonObject)?["activation_fn"]?.GetValue<string>()
            ?? config.OptionalString("sbert_ce_default_activation_function");
        if (stored is not null)
        {
            if (stored.EndsWith(".Sigmoid", StringComparison.Ordinal)) return ScoreActivation.Sigmoid;
            if (stored.EndsWith(".Identity", StringComparison.Ordinal)) return ScoreActivation.None;
            throw config.Invalid("sentence_transformers.activation_fn", $"'{stored}' is not supported (Sigmoid or Identity).");
        }
        return config.NumLabels == 1 ? ScoreActivation.Sigmoid : ScoreActivation.None;
    }
}
