namespace RerankExperiments.Tracking;

/// <summary>
/// Artifact paths relative to a run's artifact root: '/'-separated, never absolute, never with '..' or '.'
/// segments, so nothing a caller passes can land outside the run's artifacts.
/// </summary>
internal static class ArtifactPaths
{
    /// <summary>
    /// The normalized relative path ("" for the root). Rejects absolute paths, drive letters, backslashes,
    /// '.' and '..' segments and control characters with an <see cref="ArgumentException"/>.
    /// </summary>
    public static string Normalize(string? artifactPath)
    {
        if (string.IsNullOrEmpty(artifactPath)) return "";
        if (artifactPath.StartsWith('/') || artifactPath.Contains('\\')
            || (artifactPath.Length >= 2 && char.IsAsciiLetter(artifactPath[0]) && artifactPath[1] == ':')
            || Path.IsPathRooted(artifactPath) || artifactPath.Any(char.IsControl))
            throw new ArgumentException($"artifact path '{artifactPath}' must be relative ('/'-separated, no drive or scheme)", nameof(artifactPath));
        var parts = artifactPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p is "." or ".."))
            throw new ArgumentException($"artifact path '{artifactPath}' must not contain '.' or '..' segments", nameof(artifactPath));
        return string.Join('/', parts);
    }

    /// <summary>
    /// What logging <paramref name="localPath"/> at <paramref name="artifactPath"/> uploads, as MLflow does it: a file
    /// lands at <c>artifactPath/&lt;file name&gt;</c>; a folder's contents land under <c>artifactPath/</c>.
    /// Returns (local file, relative artifact path) pairs; symbolic links are followed for files only.
    /// </summary>
    public static IReadOnlyList<(string LocalFile, string RelativePath)> Plan(string localPath, string? artifactPath)
    {
        var prefix = Normalize(artifactPath);
        if (File.Exists(localPath))
            return [(Path.GetFullPath(localPath), Join(prefix, Path.GetFileName(localPath)))];
        if (!Directory.Exists(localPath))
            throw new FileNotFoundException($"artifact source '{localPath}' does not exist", localPath);
        var root = Path.GetFullPath(localPath);
        return Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Order(StringComparer.Ordinal)
            .Select(file => (file, Join(prefix, Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/'))))
            .ToList();
    }

    /// <summary>The local file for a relative artifact path under <paramref name="artifactRoot"/>, checked to stay inside it.</summary>
    public static string Resolve(string artifactRoot, string relativePath)
    {
        var root = Path.GetFullPath(artifactRoot);
        var full = Path.GetFullPath(Path.Combine(root, Normalize(relativePath).Replace('/', Path.DirectorySeparatorChar)));
        if (!full.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"artifact path '{relativePath}' escapes the run's artifact folder", nameof(relativePath));
        return full;
    }

    static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "/" + name;
}
