using RerankExperiments.Torch.Safetensors;
using RerankExperiments.Torch.Tensors;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.StateDicts;

/// <summary>
/// Hugging Face-named state dicts for TorchSharp modules. A module's tensor names are its submodule path plus
/// the parameter name (<c>encoder.layer.0.attention.self.query.weight</c>), so a model whose submodules are
/// named as in transformers loads and saves checkpoints name for name.
/// </summary>
public static class StateDict
{
    /// <summary>The module's parameters and persistent buffers by dotted name, in registration order.</summary>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> Of(nn.Module module) => module.state_dict().ToList();

    /// <summary>
    /// Compares <paramref name="source"/> with the module's tensors by name and shape, without reading any data.
    /// </summary>
    public static StateDictLoadReport Compare(nn.Module module, ITensorSource source)
    {
        var expected = Of(module);
        var available = new HashSet<string>(source.Names, StringComparer.Ordinal);
        var loaded = new List<string>();
        var missing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        foreach (var (name, tensor) in expected)
        {
            if (!available.Contains(name)) { missing.Add(name); continue; }
            long[] found = source.Describe(name).Shape;
            if (!found.SequenceEqual(tensor.shape)) mismatched.Add(new ShapeMismatch(name, tensor.shape, found));
            else loaded.Add(name);
        }
        var known = expected.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var unexpected = source.Names.Where(n => !known.Contains(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        return new StateDictLoadReport(loaded, missing, unexpected, mismatched);
    }

    /// <summary>
    /// Copies the source's tensors into the module's, converting each to the module tensor's dtype and device.
    /// Strict: any missing, unexpected or mis-shaped tensor fails the load before anything is copied, with every
    /// offending name in the <see cref="StateDictMismatchException"/>. Non-strict: tensors on both sides are
    /// loaded, the rest reported; a shape mismatch still fails unless <paramref name="ignoreMismatchedShapes"/>.
    /// Tensors are read one at a time, so a checkpoint is never held in memory twice.
    /// </summary>
    public static StateDictLoadReport Load(nn.Module module, ITensorSource source, bool strict = true, bool ignoreMismatchedShapes = false)
    {
        var report = Compare(module, source);
        if (strict ? !report.IsExact : report.Mismatched.Count > 0 && !ignoreMismatchedShapes)
            throw new StateDictMismatchException(source.Origin, report);

        var targets = module.state_dict();
        using var noGrad = no_grad();
        foreach (var name in report.Loaded)
        {
            var target = targets[name];
            using var value = source.Read(name, target.dtype, target.device);
            target.copy_(value);
        }
        return report;
    }

    /// <summary>Saves the module's tensors as a Hugging Face weights folder (see <see cref="SafetensorsCheckpoint.Save"/>).</summary>
    public static void Save(nn.Module module, string directory, IReadOnlyDictionary<string, string>? metadata = null, long maxShardBytes = 5_000_000_000) =>
        SafetensorsCheckpoint.Save(directory, Of(module), metadata ?? PyTorchMetadata, maxShardBytes);

    /// <summary>The metadata transformers writes, which its loader checks for.</summary>
    public static IReadOnlyDictionary<string, string> PyTorchMetadata { get; } = new Dictionary<string, string> { ["format"] = "pt" };
}
