namespace RerankExperiments.Evaluation;

/// <summary>A malformed line in a BEIR dataset file; the message starts with "file:line:".</summary>
public sealed class BeirFormatException(string path, int line, string problem, Exception? inner = null)
    : Exception($"{path}:{line}: {problem}", inner)
{
    public string Path { get; } = path;

    /// <summary>1-based line number.</summary>
    public int Line { get; } = line;
}
