using RerankExperiments.Torch.Tensors;

namespace RerankExperiments.Merging;

/// <summary>
/// Checks, from the headers alone, that checkpoints can be merged tensor for tensor: the same tensor names, and
/// for each name the same shape and dtype. Tensors are visited in ordinal name order and every model is compared
/// with the first, so the error is always about the first mismatching tensor.
/// </summary>
public static class CheckpointCompatibility
{
    /// <summary>Throws <see cref="ModelMergeException"/> for the first tensor that differs; <paramref name="models"/> name the sources in messages.</summary>
    public static void Check(IReadOnlyList<ITensorSource> sources, IReadOnlyList<string> models)
    {
        if (sources.Count != models.Count) throw new ArgumentException($"{sources.Count} checkpoints but {models.Count} model names.");
        if (sources.Count == 0) return;
        var first = sources[0];
        var firstNames = new HashSet<string>(first.Names, StringComparer.Ordinal);
        var everyName = new SortedSet<string>(first.Names, StringComparer.Ordinal);
        foreach (var source in sources.Skip(1)) everyName.UnionWith(source.Names);
        var nameSets = sources.Select(s => new HashSet<string>(s.Names, StringComparer.Ordinal)).ToList();

        foreach (string name in everyName)
            for (int i = 1; i < sources.Count; i++)
            {
                bool inFirst = firstNames.Contains(name), inOther = nameSets[i].Contains(name);
                if (!inFirst && !inOther) continue;
                if (!inOther) throw new ModelMergeException(name, models[0], models[i], "is in the first model but missing from the other");
                if (!inFirst) throw new ModelMergeException(name, models[0], models[i], "is in the other model but not in the first (an extra tensor)");
                var a = first.Describe(name);
                var b = sources[i].Describe(name);
                if (!a.Shape.SequenceEqual(b.Shape))
                    throw new ModelMergeException(name, models[0], models[i], $"has shape {Shape(a)} in the first model but {Shape(b)} in the other");
                if (a.DType != b.DType)
                    throw new ModelMergeException(name, models[0], models[i], $"is stored as {a.DType} in the first model but {b.DType} in the other");
            }
    }

    static string Shape(TensorDescription description) => $"[{string.Join(", ", description.Shape)}]";
}
