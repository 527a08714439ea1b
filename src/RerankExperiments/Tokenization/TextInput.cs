namespace RerankExperiments.Tokenization;

/// <summary>A text to encode, or a pair (query and passage for a cross-encoder).</summary>
public readonly record struct TextInput(string Text, string? Pair = null);
