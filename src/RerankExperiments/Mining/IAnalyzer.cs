namespace RerankExperiments.Mining;

/// <summary>Turns a text into the terms a lexical index stores and matches. Implementations must be thread-safe.</summary>
public interface IAnalyzer
{
    IReadOnlyList<string> Analyze(string text);
}
