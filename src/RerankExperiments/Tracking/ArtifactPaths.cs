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
    /// Returns (local file, relative artifact path) pairs. Inside a folder, a symbolic link is logged as the file it
    /// points to only when that file is inside the folder too; one that points outside (or nowhere) is refused with an
    /// <see cref="ArgumentException"/> naming it, so logging a folder never uploads what lies beyond it; links to
    /// folders are not followed.
    /// </summary>
    public static IReadOnlyList<(string LocalFile, string RelativePath)> Plan(string localPath, string? artifactPath)
    {
        var prefix = Normalize(artifactPath);
        if (File.Exists(localPath))
            return [(Path.GetFullPath(localPath), Join(prefix, Path.GetFileName(localPath)))];
        if (!Directory.Exists(localPath))
            throw new FileNotFoundException($"artifact source '{localPath}' does not exist", localPath);
        var root = Path.GetFullPath(localPath);
        return FilesUnder(root)
            .Order(StringComparer.Ordinal)
            .Select(file => (file, Join(prefix, Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/'))))
            .ToList();
    }

    /// <summary>The files under <paramref name="root"/>, not following links to folders, refusing links that leave it.</summary>
    static List<string> FilesUnder(string root)
    {
        var files = new List<string>();
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(root)]);
        while (pending.TryPop(out var directory))
        {
            foreach (var entry in directory.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
            {
                if (entry.LinkTarget is not null)
                {
                    var target = entry.ResolveLinkTarget(returnFinalTarget: true);
                    if (target is null || !target.Exists || !IsInside(root, target.FullName))
                        throw new ArgumentException(
                            $"artifact folder '{root}' holds a symbolic link {entry.FullName} → {target?.FullName ?? entry.LinkTarget}, which leaves the folder (or points nowhere); it is not uploaded. Copy the file into the folder or remove the link.");
                    if (target is FileInfo) files.Add(entry.FullName);
                }
                else if (entry is DirectoryInfo subdirectory) pending.Push(subdirectory);
                else files.Add(entry.FullName);
            }
        }
        return files;
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or below it (both full paths).</summary>
    public static bool IsInside(string root, string path)
    {
        var prefix = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(path);
        return full.StartsWith(prefix, StringComparison.Ordinal) || full + Path.DirectorySeparatorChar == prefix;
    }

    /// <summary>
    /// The local file for a relative artifact path under <paramref name="artifactRoot"/>, checked to stay inside it:
    /// by its name, and through no linked folder on the way (a tampered artifact folder cannot redirect a write; a
    /// link in place of the file itself is the writer's to replace).
    /// </summary>
    public static string Resolve(string artifactRoot, string relativePath)
    {
        var root = Path.GetFullPath(artifactRoot);
        var full = Path.GetFullPath(Path.Combine(root, Normalize(relativePath).Replace('/', Path.DirectorySeparatorChar)));
        if (!full.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"artifact path '{relativePath}' escapes the run's artifact folder", nameof(relativePath));
        for (var step = Path.GetDirectoryName(full)!; step.Length > root.Length; step = Path.GetDirectoryName(step)!)
            if (new FileInfo(step).LinkTarget is { } link)
                throw new ArgumentException($"artifact path '{relativePath}' goes through the symbolic link {step} → {link}; refused, it could lead outside the run's artifact folder", nameof(relativePath));
        return full;
    }

    static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "/" + name;
}
