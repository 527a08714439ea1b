using System.Text.Json;
using RerankExperiments.Cli.Commands;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Scaling;
using RerankExperiments.Tests.Experiments;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Scaling;

/// <summary>
/// `rerank sweep submit|status|matrix|report` on the bert-tiny fixture sweep against a scheduler stand-in: what submit
/// creates (parent run, published CLI, resolved experiment, scripts, submission record, artifacts), what --dry-run does
/// not, which trials --resume picks, the status lines and exit code, the matrix JSON, and the report of trials run one
/// by one as separate `--trial` runs.
/// </summary>
public sealed class SweepCommandTests : IDisposable
{
    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    string Store => Path.Combine(_fixture.Root, "runs");

    string SweepFile() => _fixture.Write(_fixture.ValidYaml(
        $"tracking:\n  uri: {Store}\n  experiment: grid\nsweep:\n  parameters:\n    training.learning_rate: [1.0e-4, 3.0e-4]\n    loss.name: [listwise-ce, bce]"));

    static readonly Func<string, string?> NoEnvironment = name => name == "HOME" ? "/root" : null;

    /// <summary>Submits to <paramref name="slurm"/>; the jobs' CLI is this build folder unless <paramref name="publish"/> (a 1.5 GB copy).</summary>
    (int Exit, string Output, string Errors) Submit(string file, FakeSlurm slurm, bool resume = false, bool dryRun = false, bool publish = false)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int exit = SweepSubmitCommand.Run(file, [], _fixture.Root,
            new SweepSubmitCommand.Options(new SlurmSettings(MaxParallel: 2), resume, dryRun, CliDirectory: publish ? null : AppContext.BaseDirectory),
            NoEnvironment, slurm, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }

    (int Exit, string Output, string Errors) Status(string file, FakeSlurm slurm)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int exit = SweepStatusCommand.Run(file, [], _fixture.Root, NoEnvironment, slurm, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }

    void RunTrial(string file, int trial, string? parent = null)
    {
        var errors = new StringWriter();
        int exit = RunCommand.Run(file, [], trial, resume: true, NoEnvironment, TextWriter.Null, errors, parentRunId: parent, baseDirectory: _fixture.Root);
        Assert.True(exit == 0, errors.ToString());
    }

    [Fact]
    public void Dry_run_prints_both_scripts_and_creates_nothing()
    {
        string file = SweepFile();
        var slurm = new FakeSlurm();
        var (exit, output, errors) = Submit(file, slurm, dryRun: true, publish: true);
        Assert.True(exit == 0, errors);
        Assert.Contains("#SBATCH --array=0-3%2", output);
        Assert.Contains("sweep report", output);
        Assert.Contains("--parent-run 'PARENT_RUN_ID'", output);
        Assert.Empty(slurm.Submitted);
        Assert.False(Directory.Exists(Store));
        Assert.False(Directory.Exists(Path.Combine(_fixture.Root, "outputs")));
    }

    [Fact]
    public void Submit_creates_the_parent_publishes_the_cli_and_submits_the_array_then_the_report()
    {
        string file = SweepFile();
        var slurm = new FakeSlurm();
        var (exit, output, errors) = Submit(file, slurm, publish: true);
        Assert.True(exit == 0, errors);

        var store = new FileTrackingStore(Store);
        string experiment = store.GetOrCreateExperiment("grid");
        var parent = Assert.Single(store.FindRuns(experiment, new Dictionary<string, string>()));
        Assert.Equal("sweep", parent.Tags[RunTags.Kind]);
        Assert.Equal(RunStatus.Running, parent.Status);
        Assert.Equal("4", parent.Params["sweep.trials"]);

        Assert.Equal(2, slurm.Submitted.Count);
        var (trialsScript, export, afterAny, arrayJob) = slurm.Submitted[0];
        Assert.Equal(("NONE", (string?)null), (export, afterAny));
        Assert.Equal(arrayJob, slurm.Submitted[1].AfterAny);
        Assert.Contains($"array job: {arrayJob}", output);
        Assert.Contains($"report job: {slurm.Submitted[1].JobId}", output);

        var plan = ExperimentLoader.Load(file, null, NoEnvironment);
        string sweepFolder = SweepFolders.Sweep(plan);
        Assert.Equal(Path.Combine(sweepFolder, "trials-1.sbatch"), trialsScript);
        string script = File.ReadAllText(trialsScript);
        Assert.Contains($"--parent-run '{parent.RunId}'", script);
        // The jobs run a published copy of the CLI, never the build folder.
        string cli = Path.Combine(SweepFolders.PublishedCli(plan), CliPublication.BuildId(AppContext.BaseDirectory));
        Assert.True(File.Exists(Path.Combine(cli, "rerank.dll")));
        Assert.Contains($"'{cli}/rerank.dll'", script);
        Assert.NotEqual(Path.GetFullPath(AppContext.BaseDirectory).TrimEnd('/'), cli);

        // The written experiment is the same sweep: same hashes, so status, resume and report find the jobs' runs.
        var written = ExperimentLoader.Load(Path.Combine(sweepFolder, "exp.yml"), null, NoEnvironment, _fixture.Root);
        Assert.Equal(plan.SweepHash, written.SweepHash);
        Assert.Equal(plan.Trials.Select(t => t.ConfigHash), written.Trials.Select(t => t.ConfigHash));

        var submission = Assert.Single(SweepSubmission.Read(sweepFolder));
        Assert.Equal([0, 1, 2, 3], submission.Trials);
        Assert.Equal(parent.RunId, submission.ParentRunId);
        var artifacts = Directory.GetFiles(Path.Combine(store.ArtifactDirectory(parent.RunId), "slurm")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(["exp.yml", "report-1.sbatch", "trials-1.sbatch"], artifacts);

        // A second submit of the same build reuses the published CLI and the parent.
        var (again, _, againErrors) = Submit(file, slurm, publish: true);
        Assert.True(again == 0, againErrors);
        Assert.Single(Directory.GetDirectories(SweepFolders.PublishedCli(plan)));
        Assert.Single(store.FindRuns(experiment, new Dictionary<string, string>()));
        Assert.Equal(2, SweepSubmission.Read(sweepFolder).Count);
    }

    [Fact]
    public void Resume_submits_only_trials_without_a_finished_run_that_are_not_queued()
    {
        string file = SweepFile();
        var slurm = new FakeSlurm();
        Assert.Equal(0, Submit(file, slurm).Exit);
        string parent = SweepSubmission.Read(SweepFolders.Sweep(ExperimentLoader.Load(file, null, NoEnvironment)))[0].ParentRunId;
        RunTrial(file, 0, parent);
        RunTrial(file, 2, parent);
        string arrayJob = slurm.Submitted[0].JobId;
        slurm.States[$"{arrayJob}_1"] = "RUNNING";
        slurm.States[$"{arrayJob}_3"] = "CANCELLED";

        var (exit, output, errors) = Submit(file, slurm, resume: true);
        Assert.True(exit == 0, errors);
        Assert.Contains("trials 3 of 4", output);
        Assert.Contains("#SBATCH --array=3%2", File.ReadAllText(slurm.Submitted[2].Script));

        slurm.States[$"{arrayJob}_1"] = "COMPLETED";
        RunTrial(file, 1, parent);
        RunTrial(file, 3, parent);
        var (nothing, nothingOutput, _) = Submit(file, slurm, resume: true);
        Assert.Equal(0, nothing);
        Assert.Contains("Nothing to resume", nothingOutput);
        Assert.Equal(4, slurm.Submitted.Count);
    }

    [Fact]
    public void Status_prints_one_line_per_trial_and_exits_0_only_when_all_finished()
    {
        string file = SweepFile();
        var slurm = new FakeSlurm();
        Assert.Equal(0, Submit(file, slurm).Exit);
        string arrayJob = slurm.Submitted[0].JobId;
        RunTrial(file, 1);
        slurm.States[$"{arrayJob}_1"] = "COMPLETED";
        slurm.States[$"{arrayJob}_2"] = "RUNNING";

        var (exit, output, errors) = Status(file, slurm);
        Assert.True(exit == 1, errors);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("eval_ndcg_at_10", lines[0]);
        Assert.Matches(@"^1\s+training\.learning_rate=1\.0e-4 loss\.name=bce\s+FINISHED\s+COMPLETED\s+0\.\d{4}\s+[0-9a-f]{32}\s+1\s*$", lines[2]);
        Assert.Matches(@"^2\s+training\.learning_rate=3\.0e-4 loss\.name=listwise-ce\s+NO RUN\s+RUNNING\s+—\s+—\s+0\s*$", lines[3]);
        Assert.Matches(@"^0\s.*NO RUN\s+—\s", lines[1]);
        Assert.Contains("1 of 4 trials FINISHED", output);

        foreach (int trial in new[] { 0, 2, 3 }) RunTrial(file, trial);
        Assert.Equal(0, Status(file, slurm).Exit);
    }

    [Fact]
    public void Matrix_lists_every_trial_with_its_values_and_pending_only_the_unfinished()
    {
        string file = SweepFile();
        var output = new StringWriter();
        Assert.Equal(0, SweepMatrixCommand.Run(file, [], _fixture.Root, pending: false, NoEnvironment, output, TextWriter.Null));
        using (var json = JsonDocument.Parse(output.ToString()))
        {
            var include = json.RootElement.GetProperty("include").EnumerateArray().ToList();
            Assert.Equal([0, 1, 2, 3], include.Select(i => i.GetProperty("trial").GetInt32()));
            Assert.Equal("1.0e-4", include[1].GetProperty("params").GetProperty("training.learning_rate").GetString());
            Assert.Equal("bce", include[1].GetProperty("params").GetProperty("loss.name").GetString());
            Assert.Equal(ExperimentLoader.Load(file, null, NoEnvironment).Trials[1].Name, include[1].GetProperty("name").GetString());
        }
        Assert.Single(output.ToString().Trim().Split('\n'));

        RunTrial(file, 0);
        RunTrial(file, 3);
        var pending = new StringWriter();
        Assert.Equal(0, SweepMatrixCommand.Run(file, [], _fixture.Root, pending: true, NoEnvironment, pending, TextWriter.Null));
        using var pendingJson = JsonDocument.Parse(pending.ToString());
        Assert.Equal([1, 2], pendingJson.RootElement.GetProperty("include").EnumerateArray().Select(i => i.GetProperty("trial").GetInt32()));
    }

    [Fact]
    public void Trials_run_one_by_one_meet_in_one_parent_and_the_report_finishes_it()
    {
        string file = SweepFile();
        for (int trial = 0; trial < 4; trial++) RunTrial(file, trial);
        var store = new FileTrackingStore(Store);
        string experiment = store.GetOrCreateExperiment("grid");
        var plan = ExperimentLoader.Load(file, null, NoEnvironment);
        var parent = Assert.Single(store.FindRuns(experiment, new Dictionary<string, string> { [RunTags.Kind] = "sweep" }));
        Assert.Equal(SweepParentRun.DeterministicRunId(experiment, plan.SweepHash), parent.RunId);
        // Single trials leave the parent open: the report finishes it.
        Assert.Equal(RunStatus.Running, parent.Status);
        Assert.All(store.FindRuns(experiment, new Dictionary<string, string> { [RunTags.Kind] = "trial" }), c => Assert.Equal(parent.RunId, c.ParentRunId));

        var output = new StringWriter();
        var errors = new StringWriter();
        Assert.True(SweepReportCommand.Run(file, [], _fixture.Root, null, NoEnvironment, output, errors) == 0, errors.ToString());
        Assert.Equal(RunStatus.Finished, store.GetRun(parent.RunId).Status);
        string report = File.ReadAllText(Path.Combine(store.ArtifactDirectory(parent.RunId), SweepReport.FileName));
        Assert.All(store.FindRuns(experiment, new Dictionary<string, string> { [RunTags.Kind] = "trial" }), c => Assert.Contains($"FINISHED | 0.", report.Split('\n').Single(l => l.Contains(c.RunId, StringComparison.Ordinal))));
        Assert.Contains("best/eval_ndcg_at_10", store.GetRun(parent.RunId).LatestMetrics.Keys);
        Assert.Equal(4, output.ToString().Split('\n').Count(l => l.Contains("FINISHED", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_parent_run_of_another_sweep_is_refused()
    {
        string file = SweepFile();
        RunTrial(file, 0);
        var store = new FileTrackingStore(Store);
        var parent = Assert.Single(store.FindRuns(store.GetOrCreateExperiment("grid"), new Dictionary<string, string> { [RunTags.Kind] = "sweep" }));
        var errors = new StringWriter();
        int exit = RunCommand.Run(file, ["training.max_steps=3"], 0, resume: true, NoEnvironment, TextWriter.Null, errors, parentRunId: parent.RunId);
        Assert.Equal(2, exit);
        Assert.Contains("--parent-run", errors.ToString());
        Assert.Contains("not the parent of this sweep", errors.ToString());
    }

    [Fact]
    public void Credentials_in_the_tracking_uri_are_refused_before_anything_is_submitted()
    {
        string file = _fixture.Write(_fixture.ValidYaml("tracking:\n  uri: http://me:pw@mlflow.example:5000\nsweep:\n  parameters:\n    training.learning_rate: [1.0e-4, 3.0e-4]"), "secret.yml");
        var slurm = new FakeSlurm();
        var (exit, _, errors) = Submit(file, slurm);
        Assert.Equal(2, exit);
        Assert.Contains("MLFLOW_TRACKING_USERNAME", errors);
        Assert.DoesNotContain("pw@", errors);
        Assert.Empty(slurm.Submitted);
    }
}
