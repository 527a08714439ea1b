using System.Globalization;

namespace RerankExperiments.Mining;

/// <summary>
/// A cheap fingerprint of a model folder for cache keys: its absolute path and, for each weight and config file
/// (subfolders such as 0_StaticEmbedding and 1_Pooling included),
/// its name, size and last write time. Hashing gigabytes of weights on every run would cost more than the cache
/// saves; a re-download or re-save changes the time, and a different model the path or sizes.
/// </summary>
public static class ModelIdentity
{
    static readonly string[] Patterns = ["*.safetensors", "*.json"];

    public static string Of(string directory)
    {
        directory = Path.GetFullPath(directory);
        var files = Patterns.SelectMany(p => Directory.EnumerateFiles(directory, p, SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal)
            .Select(f => new FileInfo(f))
            .Select(f => $"{Path.GetRelativePath(directory, f.FullName)}:{f.Length}:{f.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)}");
        return $"{directory}[{string.Join(",", files)}]";
    }
}
