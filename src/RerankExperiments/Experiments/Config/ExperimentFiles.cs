namespace RerankExperiments.Experiments.Config;

/// <summary>
/// Loads an experiment file with everything layered on it: <c>extends</c> (one base file or a list, paths relative to
/// the file that names them, applied in order, the file's own keys last; cycles are errors), then <c>--set</c>
/// overrides (<c>path=value</c>, the value read as YAML: <c>3e-5</c>, <c>bce</c>, <c>[1, 2]</c>).
/// </summary>
public static class ExperimentFiles
{
    public const string ExtendsKey = "extends";

    public static ConfigNode Load(string path, IEnumerable<string>? overrides = null)
    {
        var root = LoadWithBases(Path.GetFullPath(path), path, []);
        int number = 0;
        foreach (var assignment in overrides ?? [])
        {
            number++;
            root = ApplyOverride(root, assignment, number);
        }
        return root;
    }

    /// <summary>One <c>path=value</c> override; <paramref name="number"/> is its position among the overrides (for errors).</summary>
    public static ConfigNode ApplyOverride(ConfigNode root, string assignment, int number)
    {
        var origin = new SourceMark("--set", number, 1);
        int equals = assignment.IndexOf('=');
        if (equals <= 0)
            throw new ExperimentConfigException([new ConfigError(origin, "", $"'{assignment}' is not path=value (like training.learning_rate=3e-5).")]);
        string path = assignment[..equals].Trim();
        string text = assignment[(equals + 1)..];
        ConfigNode value;
        try
        {
            value = Relabel(YamlConfigReader.Read(text, "--set"), new SourceMark("--set", number, equals + 2));
        }
        catch (ExperimentConfigException error)
        {
            throw new ExperimentConfigException([new ConfigError(origin, path, $"the value '{text}' is not valid YAML: {error.Errors[0].Message}")]);
        }
        // An empty right-hand side reads as an empty document (an empty mapping); the user meant null.
        if (text.Trim().Length == 0) value = new ConfigScalar("", true, origin);
        return ConfigMerge.Set(root, path, value, origin);
    }

    static ConfigNode LoadWithBases(string fullPath, string shownPath, List<string> chain)
    {
        if (chain.Contains(fullPath, StringComparer.Ordinal))
            throw new ExperimentConfigException([new ConfigError(null, ExtendsKey, $"extends forms a cycle: {string.Join(" → ", chain.Append(fullPath).Select(Path.GetFileName))}.")]);
        var node = YamlConfigReader.ReadFile(shownPath);
        if (node is not ConfigMapping mapping)
            throw new ExperimentConfigException([new ConfigError(node.Mark, "", $"an experiment is a mapping of sections (model:, data:, …), not {node.Kind}.")]);
        if (mapping[ExtendsKey] is not { } extends) return mapping;

        var bases = extends switch
        {
            ConfigScalar { IsNull: false } one => [one],
            ConfigSequence list when list.Items.All(i => i is ConfigScalar) => list.Items.Cast<ConfigScalar>().ToList(),
            _ => throw new ExperimentConfigException([new ConfigError(extends.Mark, ExtendsKey, "must be a file name or a list of file names.")]),
        };
        ConfigNode merged = new ConfigMapping([], mapping.Mark);
        var nextChain = chain.Append(fullPath).ToList();
        foreach (var reference in bases)
        {
            string basePath = Path.Combine(Path.GetDirectoryName(fullPath)!, reference.Text);
            if (!File.Exists(basePath))
                throw new ExperimentConfigException([new ConfigError(reference.Mark, ExtendsKey, $"the base experiment '{reference.Text}' does not exist ({Path.GetFullPath(basePath)}).")]);
            merged = ConfigMerge.Merge(merged, LoadWithBases(Path.GetFullPath(basePath), Path.GetRelativePath(Environment.CurrentDirectory, Path.GetFullPath(basePath)), nextChain));
        }
        return ConfigMerge.Merge(merged, mapping.Without(ExtendsKey));
    }

    /// <summary>A node read from an override, re-marked to point at the override.</summary>
    static ConfigNode Relabel(ConfigNode node, SourceMark mark) => node switch
    {
        ConfigScalar scalar => scalar with { Mark = mark },
        ConfigSequence sequence => new ConfigSequence(sequence.Items.Select(i => Relabel(i, mark)).ToList(), mark),
        ConfigMapping mapping => new ConfigMapping(mapping.Entries.Select(e => new KeyValuePair<ConfigScalar, ConfigNode>(e.Key with { Mark = mark }, Relabel(e.Value, mark))).ToList(), mark),
        _ => node,
    };
}
