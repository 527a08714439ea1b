namespace RerankExperiments.Scaling;

/// <summary>
/// Everything a sweep's jobs need, written into their scripts so that no task depends on the submitting shell: the
/// resolved experiment file, the directory its relative paths are read from, the sweep folder (task working folders,
/// logs, the shared mining cache), the published CLI and the dotnet host (absolute paths), the parent run, the trials to run, and the
/// environment variables to set (names and values; secrets never appear here, they travel by name in sbatch --export).
/// </summary>
public sealed record SweepJob(
    string Name,
    string ExperimentFile,
    string BaseDirectory,
    string SweepDirectory,
    string CliDirectory,
    string DotnetHost,
    string ParentRunId,
    IReadOnlyList<int> Trials,
    IReadOnlyList<KeyValuePair<string, string>> Environment)
{
    /// <summary>The mining cache the sweep's tasks share (in the sweep folder: jobs write nothing into the base folder).</summary>
    public string CacheDirectory => Path.Combine(SweepDirectory, "cache");

    /// <summary>Where task <c>i</c> runs: its own working folder, created by the task.</summary>
    public string TaskDirectory(string index) => Path.Combine(SweepDirectory, "tasks", "trial-" + index);

    public string LogDirectory => Path.Combine(SweepDirectory, "logs");
}
