using System.Globalization;
using System.Text.RegularExpressions;
using RerankExperiments.Modeling;
using RerankExperiments.Training.Storage;

namespace RerankExperiments.Training;

/// <summary>
/// The checkpoint-&lt;step&gt;/ folders of an output directory. A checkpoint is written into a hidden temporary
/// folder and renamed into place only when complete, so a crash mid-save leaves a temporary folder that
/// <see cref="FindLatest"/> never returns, never a half-written checkpoint-&lt;step&gt;.
/// </summary>
public static partial class Checkpoints
{
    public const string Prefix = "checkpoint-";
    public const string ModelFolder = "model";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string MasterWeightsFile = "master_weights.safetensors";

    /// <summary>Checkpoint folder name of a step.</summary>
    public static string Name(long step) => Prefix + step.ToString(CultureInfo.InvariantCulture);

    /// <summary>The complete checkpoints of <paramref name="outputDir"/>, oldest first.</summary>
    public static IReadOnlyList<(long Step, string Path)> List(string outputDir)
    {
        if (!Directory.Exists(outputDir)) return [];
        var found = new List<(long, string)>();
        foreach (var directory in Directory.EnumerateDirectories(outputDir))
        {
            var match = CheckpointName().Match(Path.GetFileName(directory));
            if (match.Success && File.Exists(Path.Combine(directory, TrainerState.FileName)))
                found.Add((long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), Path.GetFullPath(directory)));
        }
        return found.OrderBy(c => c.Item1).ToList();
    }

    /// <summary>The newest complete checkpoint, or null.</summary>
    public static string? FindLatest(string outputDir) => List(outputDir) is { Count: > 0 } all ? all[^1].Path : null;

    /// <summary>"latest" (the newest checkpoint in <paramref name="outputDir"/>) or a checkpoint folder.</summary>
    public static string Resolve(string outputDir, string resumeFrom)
    {
        if (resumeFrom.Equals("latest", StringComparison.OrdinalIgnoreCase))
            return FindLatest(outputDir) ?? throw new InvalidOperationException($"No checkpoint to resume from in {Path.GetFullPath(outputDir)} (looked for {Prefix}<step>/ with {TrainerState.FileName}).");
        string path = Path.GetFullPath(resumeFrom);
        if (!File.Exists(Path.Combine(path, TrainerState.FileName)))
            throw new InvalidOperationException($"{path} is not a complete checkpoint: it has no {TrainerState.FileName}.");
        return path;
    }

    /// <summary>
    /// Writes checkpoint-&lt;step&gt; through <paramref name="write"/> into a hidden staging folder, then renames it into
    /// place (replacing an older folder of the same step, e.g. after resuming from an earlier checkpoint). A failed
    /// write (a full disk) leaves the earlier checkpoints as they were and throws an <see cref="OutputFolderException"/>
    /// that names the cause, the newest complete checkpoint, and what to do.
    /// </summary>
    public static string WriteAtomically(string outputDir, long step, Action<string> write)
    {
        string destination = Path.GetFullPath(Path.Combine(outputDir, Name(step)));
        try
        {
            StagedDirectory.Write(destination, write);
            return destination;
        }
        catch (IOException error)
        {
            string intact = FindLatest(outputDir) is { } latest
                ? $"The newest complete checkpoint, {latest}, is intact: a rerun resumes from it (rerank run does so itself; rerank train needs --resume latest)."
                : "No earlier checkpoint exists: a rerun starts from the beginning.";
            throw new OutputFolderException(
                $"Checkpoint {Name(step)} could not be saved: {error.Message} {intact} Free space in {Path.GetFullPath(outputDir)} or keep fewer checkpoints "
                + "(training.save_total_limit, --save-total-limit), then run again.", error);
        }
    }

    /// <summary>
    /// Deletes the oldest checkpoints until at most <paramref name="limit"/> remain, never
    /// <paramref name="keep"/> (the best) nor the newest; both may make the count exceed the limit by one.
    /// </summary>
    public static IReadOnlyList<string> Rotate(string outputDir, int limit, string? keep)
    {
        var all = List(outputDir);
        var deleted = new List<string>();
        int remaining = all.Count;
        foreach (var (_, path) in all.Take(all.Count - 1))
        {
            if (remaining <= limit) break;
            if (keep is not null && string.Equals(Path.GetFullPath(keep), path, StringComparison.Ordinal)) continue;
            Directory.Delete(path, recursive: true);
            deleted.Add(path);
            remaining--;
        }
        return deleted;
    }

    /// <summary>Removes temporary folders an interrupted save left (one trainer writes an output folder at a time).</summary>
    public static void DeleteTemporaries(string outputDir)
    {
        if (!Directory.Exists(outputDir)) return;
        foreach (var directory in Directory.EnumerateDirectories(outputDir, "." + Prefix + "*" + StagedDirectory.TemporarySuffix))
            Directory.Delete(directory, recursive: true);
    }

    [GeneratedRegex(@"^checkpoint-(\d+)$")]
    private static partial Regex CheckpointName();
}
