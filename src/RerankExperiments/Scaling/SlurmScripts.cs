using System.Text;

namespace RerankExperiments.Scaling;

/// <summary>
/// The two sbatch scripts of a submitted sweep. The trials script is a job array, one task per trial index
/// (<c>$SLURM_ARRAY_TASK_ID</c>), each running `rerank run --trial` in its own working folder as a child of the parent
/// run; the report script, submitted with an afterany dependency on the array, runs `rerank sweep report` once every
/// task has ended, however it ended. Both set their whole environment themselves (<c>--export=NONE</c>): paths are
/// absolute, the CLI is the published copy, and the tracking store is named in the experiment or the script.
/// </summary>
public static class SlurmScripts
{
    public static string Trials(SweepJob job, SlurmSettings settings)
    {
        var script = Header(job, settings, $"rerank-{job.Name}", Path.Combine(job.LogDirectory, "trial-%a-job-%A.out"));
        script.AppendLine($"#SBATCH --array={SlurmArraySpec.Format(job.Trials, settings.MaxParallel)}");
        if (settings.GpusPerTrial is { } gpus) script.AppendLine($"#SBATCH --gres=gpu:{gpus}");
        if (settings.CpusPerTrial is { } cpus) script.AppendLine($"#SBATCH --cpus-per-task={cpus}");
        if (settings.Time is { } time) script.AppendLine($"#SBATCH --time={time}");
        Extra(script, settings);
        Environment(script, job);
        script.AppendLine("# Each task in its own working folder (scratch, TMPDIR); results go to the experiment's output.dir and tracking store.");
        WorkIn(script, $"{Quote(Path.Combine(job.SweepDirectory, "tasks"))}/trial-\"$SLURM_ARRAY_TASK_ID\"");
        script.AppendLine("# exec: scancel's SIGTERM reaches rerank, which finishes the step, saves a checkpoint and marks the run KILLED.");
        script.AppendLine($"exec {Rerank(job)} run {Quote(job.ExperimentFile)} --trial \"$SLURM_ARRAY_TASK_ID\" --parent-run {Quote(job.ParentRunId)} --base-dir {Quote(job.BaseDirectory)} --cache-dir {Quote(job.CacheDirectory)}");
        return script.ToString();
    }

    public static string Report(SweepJob job, SlurmSettings settings)
    {
        var script = Header(job, settings, $"rerank-{job.Name}-report", Path.Combine(job.LogDirectory, "report-job-%j.out"));
        Extra(script, settings);
        Environment(script, job);
        WorkIn(script, Quote(job.TaskDirectory("report")));
        script.AppendLine($"exec {Rerank(job)} sweep report {Quote(job.ExperimentFile)} --parent-run {Quote(job.ParentRunId)} --base-dir {Quote(job.BaseDirectory)}");
        return script.ToString();
    }

    static StringBuilder Header(SweepJob job, SlurmSettings settings, string jobName, string output)
    {
        var script = new StringBuilder();
        script.AppendLine("#!/bin/bash");
        script.AppendLine($"# Written by `rerank sweep submit` for {job.ExperimentFile} (parent run {job.ParentRunId}).");
        script.AppendLine($"#SBATCH --job-name={Safe(jobName)}");
        script.AppendLine($"#SBATCH --output={output}");
        script.AppendLine("#SBATCH --export=NONE");
        if (settings.Partition is { } partition) script.AppendLine($"#SBATCH --partition={partition}");
        return script;
    }

    static void Extra(StringBuilder script, SlurmSettings settings)
    {
        foreach (var argument in settings.SbatchArguments ?? []) script.AppendLine($"#SBATCH {argument}");
        script.AppendLine("set -euo pipefail");
    }

    static void Environment(StringBuilder script, SweepJob job)
    {
        script.AppendLine("# The whole environment of the task: nothing is inherited from the shell that submitted it.");
        foreach (var (name, value) in job.Environment) script.AppendLine($"export {name}={Quote(value)}");
    }

    /// <summary>The job's own working folder (made by the job), with its TMPDIR inside it.</summary>
    static void WorkIn(StringBuilder script, string folder)
    {
        script.AppendLine($"task_dir={folder}");
        script.AppendLine("mkdir -p \"$task_dir/tmp\"");
        script.AppendLine("cd \"$task_dir\"");
        script.AppendLine("export TMPDIR=\"$task_dir/tmp\"");
    }

    static string Rerank(SweepJob job) => $"{Quote(job.DotnetHost)} {Quote(Path.Combine(job.CliDirectory, "rerank.dll"))}";

    /// <summary>A single-quoted shell word (an embedded ' closes, escapes and reopens).</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    static string Safe(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
