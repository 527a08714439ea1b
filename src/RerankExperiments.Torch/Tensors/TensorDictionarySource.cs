using static TorchSharp.torch;

namespace RerankExperiments.Torch.Tensors;

/// <summary>Tensors already in memory as a tensor source. Reads return copies; the dictionary keeps its tensors.</summary>
public sealed class TensorDictionarySource(IReadOnlyDictionary<string, Tensor> tensors, string origin = "tensors in memory") : ITensorSource
{
    public string Origin => origin;

    public IReadOnlyCollection<string> Names => tensors.Keys.ToArray();

    public TensorDescription Describe(string name) => new(Get(name).dtype, Get(name).shape);

    public Tensor Read(string name, ScalarType? dtype = null, Device? device = null)
    {
        using var detached = Get(name).detach();
        return detached.to(dtype ?? detached.dtype, device ?? detached.device, copy: true);
    }

    Tensor Get(string name) =>
        tensors.TryGetValue(name, out var tensor) ? tensor : throw new KeyNotFoundException($"{origin}: no tensor '{name}'.");
}
