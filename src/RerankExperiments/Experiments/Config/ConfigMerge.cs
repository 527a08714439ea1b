namespace RerankExperiments.Experiments.Config;

/// <summary>
/// How experiment trees combine: <c>extends</c> (a base file under the experiment), <c>--set</c> overrides and sweep
/// values. Mappings merge key by key, recursively; a list or a value replaces what was there (a list of evaluators
/// in the child replaces the base's list, it is not appended).
/// </summary>
public static class ConfigMerge
{
    /// <summary><paramref name="overlay"/> on top of <paramref name="baseNode"/>.</summary>
    public static ConfigNode Merge(ConfigNode baseNode, ConfigNode overlay)
    {
        if (baseNode is not ConfigMapping baseMapping || overlay is not ConfigMapping overlayMapping) return overlay;
        var merged = baseMapping;
        foreach (var (key, value) in overlayMapping.Entries)
            merged = merged.With(key, merged[key.Text] is { } existing ? Merge(existing, value) : value);
        // The child's own position wins for errors that concern the mapping as a whole.
        return merged with { Mark = overlayMapping.Mark };
    }

    /// <summary>
    /// Sets the node at a dotted path (<c>training.learning_rate</c>; a number selects a list item: <c>eval.0.at_k</c>),
    /// creating mappings on the way. Errors name <paramref name="origin"/>.
    /// </summary>
    public static ConfigNode Set(ConfigNode root, string path, ConfigNode value, SourceMark origin)
    {
        var segments = path.Split('.');
        if (path.Length == 0 || segments.Any(s => s.Length == 0))
            throw new ExperimentConfigException([new ConfigError(origin, path, "an override path is dotted names, like training.learning_rate.")]);
        return Set(root, segments, 0, value, origin, path);
    }

    static ConfigNode Set(ConfigNode? node, string[] segments, int index, ConfigNode value, SourceMark origin, string path)
    {
        if (index == segments.Length) return value;
        string segment = segments[index];
        string here = string.Join('.', segments.Take(index));
        switch (node)
        {
            case ConfigSequence sequence when int.TryParse(segment, out int item):
                if (item < 0 || item >= sequence.Items.Count)
                    throw new ExperimentConfigException([new ConfigError(origin, path, $"{here} has {sequence.Items.Count} item(s); index {item} is out of range.")]);
                var items = sequence.Items.ToList();
                items[item] = Set(items[item], segments, index + 1, value, origin, path);
                return sequence with { Items = items };
            case ConfigMapping mapping:
                return mapping.With(mapping.Entries.FirstOrDefault(e => e.Key.Text == segment).Key ?? new ConfigScalar(segment, true, origin),
                    Set(mapping[segment], segments, index + 1, value, origin, path));
            case null:
            case ConfigScalar { IsNull: true }:
                return new ConfigMapping([new(new ConfigScalar(segment, true, origin), Set(null, segments, index + 1, value, origin, path))], origin);
            default:
                throw new ExperimentConfigException([new ConfigError(origin, path,
                    $"{(here.Length == 0 ? "the experiment" : here)} is {node.Kind} (at {node.Mark}); cannot set '{segment}' inside it.")]);
        }
    }
}
