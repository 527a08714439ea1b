namespace RerankExperiments.Tests.Faults;

/// <summary>What the storage fault tests inspect in a folder: total bytes, hidden leftovers, file contents.</summary>
internal static class FaultFolders
{
    public static long Bytes(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    /// <summary>Entries whose name starts with '.': staging or set-aside folders a failed write must not leave.</summary>
    public static IReadOnlyList<string> Hidden(string folder) =>
        Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Where(n => n!.StartsWith('.')).Select(n => n!).ToList();

    /// <summary>Every file under <paramref name="folder"/> with its bytes, by relative path.</summary>
    public static Dictionary<string, byte[]> Contents(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes, StringComparer.Ordinal);
}
