using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>Applying and naming <see cref="LossActivation"/>s.</summary>
public static class LossActivations
{
    /// <summary>The option spellings: "identity", "sigmoid", "tanh".</summary>
    public static IReadOnlyList<string> Names { get; } = ["identity", "sigmoid", "tanh"];

    /// <summary>a(s) element-wise; Identity returns a new handle on the same tensor (alias), so the caller may dispose it.</summary>
    public static Tensor Apply(this LossActivation activation, Tensor logits) => activation switch
    {
        LossActivation.Identity => logits.alias(),
        LossActivation.Sigmoid => logits.sigmoid(),
        LossActivation.Tanh => logits.tanh(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    /// <summary>Parses "identity" | "sigmoid" | "tanh" (case-insensitive).</summary>
    public static LossActivation Parse(string name) => name.ToLowerInvariant() switch
    {
        "identity" => LossActivation.Identity,
        "sigmoid" => LossActivation.Sigmoid,
        "tanh" => LossActivation.Tanh,
        _ => throw new ArgumentException($"Unknown activation '{name}'; valid: {string.Join(", ", Names)}."),
    };
}
