using RerankExperiments.Torch.Tensors;
using static TorchSharp.torch;

namespace RerankExperiments.Modeling;

/// <summary>
/// A checkpoint of a bare encoder (names like <c>embeddings.word_embeddings.weight</c>) seen with the base-model
/// prefix a classification model expects (<c>bert.embeddings…</c>), as transformers adds it on load.
/// </summary>
public sealed class PrefixedTensorSource(ITensorSource inner, string prefix) : ITensorSource
{
    public string Origin => inner.Origin;

    public IReadOnlyCollection<string> Names { get; } = inner.Names.Select(n => prefix + n).ToArray();

    public TensorDescription Describe(string name) => inner.Describe(Strip(name));

    public Tensor Read(string name, ScalarType? dtype = null, Device? device = null) => inner.Read(Strip(name), dtype, device);

    string Strip(string name) => name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;
}
