namespace RerankExperiments.Tokenization;

/// <summary>An input a tokenizer cannot encode as asked (e.g. a truncation that cannot fit).</summary>
public sealed class TokenizationException(string message) : Exception(message);
