using System.Diagnostics;
using RerankExperiments.Cli.Commands;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Scaling;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Scaling;

/// <summary>
/// The quickstart sweep on a real one-node Slurm (scripts/slurm-local.sh): submitted as a job array with a dependent
/// report job; one trial is cancelled with scancel while it runs; `--resume` submits only that one. The end: one
/// parent FINISHED with the report, four FINISHED children with params and metrics, the three untouched trials run
/// once, nothing finished twice. The trials are shrunk with --set (fewer pairs and evaluation queries) so the test
/// takes a few minutes on a 2-core machine.
/// </summary>
[Trait("Category", "Slurm")]
public sealed class SlurmSweepTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    static Func<string, string?> Environment => name => name switch
    {
        "HF_HUB_OFFLINE" => "1",
        "HOME" or "PATH" => System.Environment.GetEnvironmentVariable(name),
        _ => null,
    };

    [Fact]
    public async Task A_sweep_runs_as_a_job_array_and_a_cancelled_trial_resumes()
    {
        using var slurm = new LocalSlurm();
        string root = Fixtures.RepositoryRoot();
        string file = Path.Combine(root, "experiments", "quickstart-sweep.yml");
        string store = _directory.File("runs");
        string[] overrides =
        [
            $"tracking.uri={store}", $"output.dir={_directory.File("outputs")}", "data.train.limit=480",
            "eval=[{type: beir, name: debian, path: data/debian-packages/eval, max_queries: 20, rerank_k: 10}]",
        ];
        var plan = ExperimentLoader.Load(file, overrides, Environment, root);
        string sweepFolder = SweepFolders.Sweep(plan);
        string Diagnostics() => string.Join('\n', Directory.Exists(Path.Combine(sweepFolder, "logs"))
            ? Directory.GetFiles(Path.Combine(sweepFolder, "logs")).Select(f => $"--- {f}\n{Tail(f)}") : ["no logs"]);

        // Submit: the array (two at a time) and the report after it.
        var output = new StringWriter();
        var errors = new StringWriter();
        int exit = SweepSubmitCommand.Run(file, overrides, root, new SweepSubmitCommand.Options(new SlurmSettings(MaxParallel: 2)), Environment, new SlurmCommands(), output, errors);
        Assert.True(exit == 0, $"{output}\n{errors}");
        var first = Assert.Single(SweepSubmission.Read(sweepFolder));
        slurm.Track(first.ArrayJobId, first.ReportJobId);

        // Cancel the first trial seen running in MLflow (its task is then mid-trial).
        var tracking = new FileTrackingStore(store);
        string experiment = tracking.GetOrCreateExperiment("quickstart-sweep");
        var clock = Stopwatch.StartNew();
        TrackedRun? running = null;
        while (running is null && clock.Elapsed < TimeSpan.FromMinutes(4))
        {
            running = tracking.FindRuns(experiment, new Dictionary<string, string> { [RunTags.Kind] = "trial" }).FirstOrDefault(r => r.Status == RunStatus.Running);
            if (running is null) await Task.Delay(200);
        }
        Assert.True(running is not null, $"no trial started within 4 minutes:\n{Diagnostics()}");
        int cancelled = int.Parse(running!.Tags[RunTags.TrialIndex], System.Globalization.CultureInfo.InvariantCulture);
        var (scancel, scancelOutput) = LocalSlurm.Run("scancel", first.TaskId(cancelled));
        Assert.True(scancel == 0, scancelOutput);
        await LocalSlurm.WaitForEnd([first.ArrayJobId, first.ReportJobId], TimeSpan.FromMinutes(8), Diagnostics);

        var afterCancel = TrialRunState.Read(tracking, experiment, plan);
        Assert.False(afterCancel[cancelled].Finished, $"trial {cancelled} finished although cancelled:\n{Diagnostics()}");
        Assert.All(afterCancel.Where(t => t.Trial.Index != cancelled), t => Assert.True(t.Finished, $"trial {t.Trial.Index}: {t.Run?.Status}\n{Diagnostics()}"));
        var parent = Assert.Single(tracking.FindRuns(experiment, new Dictionary<string, string> { [RunTags.Kind] = "sweep" }));
        Assert.NotEqual(RunStatus.Finished, parent.Status); // the report job ran and saw one trial missing

        // Resume: only the cancelled trial is submitted again.
        output = new StringWriter();
        exit = SweepSubmitCommand.Run(file, overrides, root, new SweepSubmitCommand.Options(new SlurmSettings(MaxParallel: 2), Resume: true), Environment, new SlurmCommands(), output, errors);
        Assert.True(exit == 0, $"{output}\n{errors}");
        var second = SweepSubmission.Read(sweepFolder)[1];
        slurm.Track(second.ArrayJobId, second.ReportJobId);
        Assert.Equal([cancelled], second.Trials);
        await LocalSlurm.WaitForEnd([second.ArrayJobId, second.ReportJobId], TimeSpan.FromMinutes(5), Diagnostics);

        // One parent, FINISHED, with the report; four FINISHED children with params and metrics; nothing twice.
        var runs = tracking.FindRuns(experiment, new Dictionary<string, string>());
        parent = Assert.Single(runs, r => r.Tags.GetValueOrDefault(RunTags.Kind) == "sweep");
        Assert.True(parent.Status == RunStatus.Finished, Diagnostics());
        Assert.Equal(parent.RunId, first.ParentRunId);
        string report = File.ReadAllText(Path.Combine(tracking.ArtifactDirectory(parent.RunId), SweepReport.FileName));
        var reportRows = report.Split('\n').Where(l => l.Contains("| FINISHED |", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, reportRows.Count);
        Assert.True(File.Exists(Path.Combine(tracking.ArtifactDirectory(parent.RunId), "slurm", "trials-1.sbatch")));
        var children = runs.Where(r => r.Tags.GetValueOrDefault(RunTags.Kind) == "trial").ToList();
        Assert.All(children, c => Assert.Equal(parent.RunId, c.ParentRunId));
        var finished = children.Where(c => c.Status == RunStatus.Finished).ToList();
        Assert.Equal(plan.Trials.Select(t => t.ConfigHash).Order(StringComparer.Ordinal), finished.Select(c => c.Tags[RunTags.ConfigHash]).Order(StringComparer.Ordinal));
        Assert.All(finished, c =>
        {
            Assert.Single(reportRows, r => r.Contains(c.RunId, StringComparison.Ordinal));
            Assert.Equal("480", c.Params["data.train.limit"]);
            Assert.Contains("debian_R10_ndcg_at_10", c.LatestMetrics.Keys);
            Assert.NotEmpty(tracking.GetMetricHistory(c.RunId, "loss"));
        });
        // The untouched trials ran once; the cancelled one twice (its KILLED attempt and the resumed one).
        Assert.All(plan.Trials, t => Assert.Equal(t.Index == cancelled ? 2 : 1, children.Count(c => c.Tags[RunTags.ConfigHash] == t.ConfigHash)));

        var status = new StringWriter();
        Assert.Equal(0, SweepStatusCommand.Run(file, overrides, root, Environment, new SlurmCommands(), status, TextWriter.Null));
        Assert.Contains("4 of 4 trials FINISHED", status.ToString());
        Assert.Equal(4, status.ToString().Split('\n').Count(l => l.Contains("FINISHED", StringComparison.Ordinal) && l.Contains("COMPLETED", StringComparison.Ordinal)));
        // Each task worked in its own folder, and mined into the sweep's cache (nothing written under the repository).
        Assert.All(plan.Trials, t => Assert.True(Directory.Exists(Path.Combine(sweepFolder, "tasks", $"trial-{t.Index}")), $"no task folder for trial {t.Index}"));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(sweepFolder, "cache", "mining"), "*.jsonl"));
    }

    static string Tail(string file)
    {
        var lines = File.ReadAllLines(file);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 15)));
    }
}
