using RerankExperiments.Torch.Safetensors;
using RerankExperiments.Torch.StateDicts;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Merging;

/// <summary>Distinct models for merge tests: a fixture's folder with every float tensor moved by seeded noise.</summary>
public static class MergeTestModels
{
    /// <summary>
    /// Copies the fixture <paramref name="fixture"/> (config, tokenizer) to <paramref name="directory"/> with weights
    /// θ + scale·N(0, 1) drawn from a generator seeded with <paramref name="seed"/> (scale 0 keeps them), stored in
    /// <paramref name="dtype"/> when given, sharded when <paramref name="maxShardBytes"/> is small.
    /// </summary>
    public static string Create(string directory, string fixture, long seed, double scale = 0.05, ScalarType? dtype = null, long maxShardBytes = 5_000_000_000)
    {
        Directory.CreateDirectory(directory);
        foreach (string file in Directory.EnumerateFiles(fixture))
            if (!file.EndsWith(".safetensors", StringComparison.Ordinal)) File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
        using var scope = NewDisposeScope();
        using var checkpoint = SafetensorsCheckpoint.Open(fixture);
        var generator = new Generator((ulong)seed);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (string name in checkpoint.Names.Order(StringComparer.Ordinal))
        {
            var tensor = checkpoint.Read(name);
            if (is_floating_point(tensor) && scale != 0) tensor = tensor + randn(tensor.shape, generator: generator) * scale;
            tensors.Add(new(name, dtype is { } type && is_floating_point(tensor) ? tensor.to(type) : tensor));
        }
        SafetensorsCheckpoint.Save(directory, tensors, StateDict.PyTorchMetadata, maxShardBytes);
        return directory;
    }

    /// <summary>A tensor's values as doubles (exact for fp32, fp16 and bf16).</summary>
    public static double[] Values(string model, string name)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(model);
        using var tensor = checkpoint.Read(name, ScalarType.Float64);
        return tensor.data<double>().ToArray();
    }
}
