namespace RerankExperiments.Torch.Safetensors;

/// <summary>
/// A safetensors file that cannot be read or written as asked: truncated, corrupt, lying about its contents, or
/// missing a tensor. The message names the file and, where one is involved, the tensor.
/// </summary>
public sealed class SafetensorsException : Exception
{
    public SafetensorsException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
    }

    public SafetensorsException(string path, string tensor, string problem, Exception? inner = null)
        : base($"{path}: tensor '{tensor}': {problem}", inner)
    {
        FilePath = path;
        TensorName = tensor;
    }

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }

    /// <summary>The tensor at fault, when the problem is one tensor's.</summary>
    public string? TensorName { get; }
}
