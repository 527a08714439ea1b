namespace RerankExperiments.Tokenization.Loading;

/// <summary>
/// A tokenizer file that cannot be used: malformed JSON, a wrong type, a missing field, or a component type the
/// project does not implement. The message names the file and the JSON path (e.g. <c>normalizer.normalizers[1].type</c>).
/// </summary>
public sealed class TokenizerFormatException(string file, string jsonPath, string problem, Exception? inner = null)
    : Exception(string.IsNullOrEmpty(jsonPath) ? $"{file}: {problem}" : $"{file}: {jsonPath}: {problem}", inner)
{
    public string FilePath { get; } = file;
    public string JsonPath { get; } = jsonPath;
}
