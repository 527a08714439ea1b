using static TorchSharp.torch;

namespace RerankExperiments.Torch.Tensors;

/// <summary>Dtype and shape of a named tensor, known before its data is read.</summary>
public sealed record TensorDescription(ScalarType DType, long[] Shape);

/// <summary>
/// Named tensors that can be listed and described without reading them, then read one at a time, so loading a
/// checkpoint into a model never holds a second full copy of it in memory: a safetensors file, a sharded
/// checkpoint, or tensors already in memory.
/// </summary>
public interface ITensorSource
{
    /// <summary>Where the tensors come from, for error messages (a path, or a description).</summary>
    string Origin { get; }

    /// <summary>Every tensor name.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>Stored dtype and shape of one tensor.</summary>
    TensorDescription Describe(string name);

    /// <summary>
    /// Reads one tensor into a new tensor owned by the caller, converted to <paramref name="dtype"/> and moved to
    /// <paramref name="device"/> when given.
    /// </summary>
    Tensor Read(string name, ScalarType? dtype = null, Device? device = null);
}
