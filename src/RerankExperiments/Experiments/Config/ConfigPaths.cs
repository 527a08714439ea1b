namespace RerankExperiments.Experiments.Config;

/// <summary>
/// Makes an experiment's relative paths absolute against a base directory, for a process whose current directory is
/// not where the experiment was written (a Slurm array task in its own working folder). Only the config that is bound
/// changes: the config hash and the logged params keep the paths as written, so a trial run by a job is the same
/// trial as one run from the repository (resume and status find it).
/// </summary>
public static class ConfigPaths
{
    /// <summary>Keys whose value is a path that must exist (a Hub name stays as written when no such file exists).</summary>
    static readonly HashSet<string> ExistingPathKeys = new(StringComparer.Ordinal) { "path", "name_or_path", "model", "examples", "with", "corpus" };

    /// <summary>Keys whose value is a folder that may not exist yet (it is created): always based.</summary>
    static readonly HashSet<string> NewPathKeys = new(StringComparer.Ordinal) { "dir", "uri" };

    public static ConfigNode Absolutize(ConfigNode root, string baseDirectory) => Visit(root, null, Path.GetFullPath(baseDirectory));

    static ConfigNode Visit(ConfigNode node, string? key, string baseDirectory) => node switch
    {
        ConfigMapping mapping => mapping with
        {
            Entries = mapping.Entries.Select(e => new KeyValuePair<ConfigScalar, ConfigNode>(e.Key, Visit(e.Value, e.Key.Text, baseDirectory))).ToList(),
        },
        // A list keeps its key: merge.with's items are paths, eval's items are mappings.
        ConfigSequence sequence => sequence with { Items = sequence.Items.Select(i => Visit(i, key, baseDirectory)).ToList() },
        ConfigScalar scalar when key is not null && !scalar.IsNull => scalar with { Text = Based(scalar.Text, key, baseDirectory) },
        _ => node,
    };

    static string Based(string text, string key, string baseDirectory)
    {
        if (text.Length == 0 || Path.IsPathRooted(text) || text.Contains("://", StringComparison.Ordinal) || text.StartsWith("hf:", StringComparison.Ordinal)
            || text.StartsWith("file:", StringComparison.Ordinal))
            return text;
        string based = Path.GetFullPath(Path.Combine(baseDirectory, text));
        if (NewPathKeys.Contains(key)) return based;
        return ExistingPathKeys.Contains(key) && (File.Exists(based) || Directory.Exists(based)) ? based : text;
    }
}
