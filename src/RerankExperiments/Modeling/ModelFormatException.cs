namespace RerankExperiments.Modeling;

/// <summary>
/// A model folder that cannot be used: a missing or malformed config field, an unknown model_type, missing or
/// mis-shaped weights. The message names the file and the field or tensor.
/// </summary>
public sealed class ModelFormatException(string file, string problem, Exception? inner = null) : Exception($"{file}: {problem}", inner)
{
    public string FilePath { get; } = file;
}
