using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>Applying and naming <see cref="ScoreActivation"/>s.</summary>
public static class ScoreActivations
{
    /// <summary>The option spellings: "identity", "sigmoid", "tanh".</summary>
    public static IReadOnlyList<string> Names { get; } = ["identity", "sigmoid", "tanh"];

    /// <summary>a(s) element-wise; Identity returns a new handle on the same tensor (alias), so the caller may dispose it.</summary>
    public static Tensor Apply(this ScoreActivation activation, Tensor logits) => activation switch
    {
        ScoreActivation.Identity => logits.alias(),
        ScoreActivation.Sigmoid => logits.sigmoid(),
        ScoreActivation.Tanh => logits.tanh(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    /// <summary>Parses "identity" | "sigmoid" | "tanh" (case-insensitive).</summary>
    public static ScoreActivation Parse(string name) => name.ToLowerInvariant() switch
    {
        "identity" => ScoreActivation.Identity,
        "sigmoid" => ScoreActivation.Sigmoid,
        "tanh" => ScoreActivation.Tanh,
        _ => throw new ArgumentException($"Unknown activation '{name}'; valid: {string.Join(", ", Names)}."),
    };
}
