namespace RerankExperiments.Hub;

/// <summary>
/// Which files of a dataset repo hold a split: a simplified form of the <c>datasets</c> library's default data-files
/// rules. A file belongs to split S when it has a supported extension (<see cref="Extensions"/>) and either a folder
/// on its path is named S (<c>data/train/0.parquet</c>, <c>train/0.parquet</c>) or its file name starts with S followed
/// by '-', '.' or '_' (<c>train-00000-of-00002.parquet</c>, <c>data/train_0.csv</c>, <c>train.jsonl</c>). With a config,
/// only files under <c>&lt;config&gt;/</c> count, and the rules apply to the path below it. Matches sort by path
/// (ordinal), so shards come in order. Names compare case-sensitively; hidden files and folders ('.' or '_' first) are
/// ignored.
/// </summary>
public static class DatasetSplitFiles
{
    /// <summary>The data file extensions the readers support (<see cref="Data.RowSources"/>), compared case-insensitively.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".parquet", ".jsonl", ".jsonl.gz", ".json", ".csv", ".tsv", ".arrow"];

    /// <summary>The files of <paramref name="split"/> among <paramref name="files"/>, sorted by path.</summary>
    public static IReadOnlyList<string> Select(IEnumerable<string> files, string split, string? config = null) =>
        [.. DataFiles(files, config)
            .Where(file => BelongsTo(file.Relative, split))
            .Select(file => file.Path)
            .Order(StringComparer.Ordinal)];

    /// <summary>
    /// The split names the files suggest, sorted: a file's parent folder name when it has one other than <c>data</c>,
    /// otherwise its file name up to the first '-', '.' or '_'. An approximation, used to name the choices in errors.
    /// </summary>
    public static IReadOnlyList<string> SplitNames(IEnumerable<string> files, string? config = null) =>
        [.. DataFiles(files, config)
            .Select(file => GuessSplit(file.Relative))
            .Where(name => name.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    /// <summary>True when the path ends with one of <see cref="Extensions"/>.</summary>
    public static bool IsDataFile(string path) =>
        Extensions.Any(extension => path.EndsWith(extension, StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<(string Path, string Relative)> DataFiles(IEnumerable<string> files, string? config)
    {
        ArgumentNullException.ThrowIfNull(files);
        var prefix = config is null ? "" : config.TrimEnd('/') + "/";
        foreach (var file in files)
        {
            if (!file.StartsWith(prefix, StringComparison.Ordinal) || !IsDataFile(file))
                continue;
            var relative = file[prefix.Length..];
            if (relative.Split('/').Any(segment => segment.Length == 0 || segment[0] is '.' or '_'))
                continue;
            yield return (file, relative);
        }
    }

    private static bool BelongsTo(string relative, string split)
    {
        var segments = relative.Split('/');
        if (segments[..^1].Contains(split, StringComparer.Ordinal))
            return true;
        var name = segments[^1];
        return name.Length > split.Length && name.StartsWith(split, StringComparison.Ordinal) && name[split.Length] is '-' or '.' or '_';
    }

    private static string GuessSplit(string relative)
    {
        var segments = relative.Split('/');
        if (segments.Length > 1 && segments[^2] != "data")
            return segments[^2];
        var name = segments[^1];
        var end = name.IndexOfAny(['-', '.', '_']);
        return end < 0 ? name : name[..end];
    }
}
