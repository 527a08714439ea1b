using System.Text.Json;
using System.Text.Json.Serialization;

namespace RerankExperiments.Scaling;

/// <summary>
/// One `rerank sweep submit` of a sweep: the array job, the report job, the trials it asked for and the parent run.
/// Appended as a JSON line to <c>submissions.jsonl</c> in the sweep folder; status and --resume read them to ask Slurm
/// about each trial's latest task.
/// </summary>
public sealed record SweepSubmission(
    [property: JsonPropertyName("array_job")] string ArrayJobId,
    [property: JsonPropertyName("report_job")] string ReportJobId,
    [property: JsonPropertyName("trials")] IReadOnlyList<int> Trials,
    [property: JsonPropertyName("parent_run")] string ParentRunId,
    [property: JsonPropertyName("submitted")] DateTimeOffset Submitted)
{
    public const string FileName = "submissions.jsonl";

    /// <summary>The Slurm id of trial <paramref name="index"/>'s array task.</summary>
    public string TaskId(int index) => $"{ArrayJobId}_{index}";

    public static void Append(string sweepDirectory, SweepSubmission submission)
    {
        Directory.CreateDirectory(sweepDirectory);
        File.AppendAllText(Path.Combine(sweepDirectory, FileName), JsonSerializer.Serialize(submission) + "\n");
    }

    /// <summary>Every submission of the sweep, oldest first (none when it was never submitted from this folder).</summary>
    public static IReadOnlyList<SweepSubmission> Read(string sweepDirectory)
    {
        string path = Path.Combine(sweepDirectory, FileName);
        if (!File.Exists(path)) return [];
        return File.ReadLines(path).Where(l => l.Trim().Length > 0)
            .Select((line, number) => JsonSerializer.Deserialize<SweepSubmission>(line)
                ?? throw new InvalidDataException($"{path}:{number + 1}: not a submission record"))
            .ToList();
    }

    /// <summary>Each trial's latest array task id, from the submissions in order.</summary>
    public static IReadOnlyDictionary<int, string> LatestTasks(IReadOnlyList<SweepSubmission> submissions)
    {
        var tasks = new Dictionary<int, string>();
        foreach (var submission in submissions)
            foreach (var trial in submission.Trials) tasks[trial] = submission.TaskId(trial);
        return tasks;
    }
}
