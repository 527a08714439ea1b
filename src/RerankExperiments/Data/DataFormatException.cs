namespace RerankExperiments.Data;

/// <summary>A data file that cannot be read as asked; the message names the file and line.</summary>
public sealed class DataFormatException(string file, int? line, string problem, Exception? inner = null)
    : Exception(line is { } l ? $"{file}:{l}: {problem}" : $"{file}: {problem}", inner)
{
    public string FilePath { get; } = file;
    public int? Line { get; } = line;
}
