using RerankExperiments.Experiments.Running;
using RerankExperiments.Tests.Experiments;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tracking;
using RerankExperiments.Training;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// A real `rerank run` process, stopped the ways jobs are stopped: SIGTERM (scancel, docker stop, a cancelled CI job)
/// finishes the step, saves a checkpoint, marks the run KILLED and exits 130; kill -9 (and the OOM killer) leaves only
/// what is on disk. Either way the next run resumes, and the trained model is bit for bit the uninterrupted run's.
/// </summary>
[Trait("Category", "Faults")]
public sealed class ProcessInterruptionTests(ProcessInterruptionTests.UninterruptedRun uninterrupted) : IClassFixture<ProcessInterruptionTests.UninterruptedRun>
{
    const int Steps = 120;
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <summary>The experiment run once without interruption: the model every interrupted run must end with.</summary>
    public sealed class UninterruptedRun : IDisposable
    {
        readonly TemporaryDirectory _root = new();

        public UninterruptedRun()
        {
            Data = new ExperimentFixture();
            Root = _root.Path;
            using var run = CliProcess.Start(Root, Experiment.Arguments(Experiment.Write(Root, Data)));
            ExitCode = run.ExitCode(Patience).GetAwaiter().GetResult();
            Output = run.Output;
        }

        public ExperimentFixture Data { get; }
        public string Root { get; }
        public int ExitCode { get; }
        public string Output { get; }

        public void Dispose()
        {
            _root.Dispose();
            Data.Dispose();
        }
    }

    /// <summary>
    /// The fixture's experiment, made long enough to stop mid-way and checkpointing every 10 steps, with the trial's
    /// outputs and MLflow store under the folder the process runs in (so every attempt has the same config hash).
    /// </summary>
    static class Experiment
    {
        public static string Write(string root, ExperimentFixture data)
        {
            string path = Path.Combine(root, "experiment.yml");
            File.WriteAllText(path, data.ValidYaml());
            return path;
        }

        public static string[] Arguments(string path) =>
        [
            "run", path, "--set", $"training.max_steps={Steps}", "--set", "training.save_steps=10", "--set", "training.save_total_limit=3",
            "--set", "training.logging_steps=20", "--set", "output.dir=outputs", "--set", "tracking.uri=runs",
        ];
    }

    static string? TrialFolder(string root) =>
        Directory.Exists(Path.Combine(root, "outputs", "tiny")) ? Directory.EnumerateDirectories(Path.Combine(root, "outputs", "tiny")).SingleOrDefault() : null;

    static long LatestCheckpoint(string root) =>
        TrialFolder(root) is { } trial && Checkpoints.List(Path.Combine(trial, "checkpoints")) is { Count: > 0 } all ? all[^1].Step : 0;

    static byte[] FinalWeights(string root) => File.ReadAllBytes(Path.Combine(TrialFolder(root)!, "model", "model.safetensors"));

    static IReadOnlyList<TrackedRun> TrialRuns(string root)
    {
        var store = new FileTrackingStore(Path.Combine(root, "runs"));
        return store.FindRuns(store.GetOrCreateExperiment("tiny"), new Dictionary<string, string> { [RunTags.Kind] = "trial" })
            .OrderBy(r => r.StartTimeMs).ToList();
    }

    /// <summary>Starts the experiment in <paramref name="root"/> and stops it with <paramref name="signal"/> once a checkpoint of step ≥ <paramref name="atLeast"/> exists.</summary>
    static async Task<(int ExitCode, string Output)> StopOnce(string root, string experiment, string signal, long atLeast, int extraDelayMs)
    {
        using var run = CliProcess.Start(root, Experiment.Arguments(experiment));
        Assert.True(await run.WaitUntil(() => LatestCheckpoint(root) >= atLeast, Patience),
            $"no checkpoint of step ≥ {atLeast} appeared while rerank ran; its output:\n{run.Output}");
        await Task.Delay(extraDelayMs);
        Assert.False(run.HasExited, $"training ended before the signal (make it longer); its output:\n{run.Output}");
        run.Signal(signal);
        return (await run.ExitCode(Patience), run.Output);
    }

    [Fact]
    public async Task Kill_9_twice_mid_training_then_a_rerun_resumes_and_ends_with_the_uninterrupted_weights()
    {
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.Output);
        using var root = new TemporaryDirectory();
        string experiment = Experiment.Write(root.Path, uninterrupted.Data);

        // The second kill lands at a random moment, mid-step or mid-save alike.
        var (first, firstOutput) = await StopOnce(root.Path, experiment, "KILL", atLeast: 30, extraDelayMs: 0);
        Assert.True(first == 137, $"exit code {first} after kill -9; output:\n{firstOutput}");
        long afterFirst = LatestCheckpoint(root.Path);
        var (second, secondOutput) = await StopOnce(root.Path, experiment, "KILL", atLeast: afterFirst + 30, extraDelayMs: Random.Shared.Next(0, 40));
        Assert.True(second == 137, $"exit code {second} after kill -9; output:\n{secondOutput}");
        Assert.Contains($"Resuming from {Path.Combine(TrialFolder(root.Path)!, "checkpoints", Checkpoints.Name(afterFirst))}", secondOutput);

        using var last = CliProcess.Start(root.Path, Experiment.Arguments(experiment));
        Assert.True(await last.ExitCode(Patience) == 0, last.Output);
        Assert.Contains("Resuming from", last.Output);
        Assert.Equal(FinalWeights(uninterrupted.Root), FinalWeights(root.Path));

        // The killed attempts could not end their runs; each next attempt found them RUNNING and marked them KILLED.
        var runs = TrialRuns(root.Path);
        Assert.Equal([RunStatus.Killed, RunStatus.Killed, RunStatus.Finished], runs.Select(r => r.Status));
        Assert.All(runs.Take(2), r => Assert.Contains("the process ended without finishing the run", r.Tags[RunTags.Error]));
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(TrialFolder(root.Path)!, "checkpoints"), ".*")); // no temporary folder left
    }

    [Fact]
    public async Task Sigterm_finishes_the_step_saves_marks_the_run_killed_exits_130_and_the_rerun_resumes()
    {
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.Output);
        using var root = new TemporaryDirectory();
        string experiment = Experiment.Write(root.Path, uninterrupted.Data);

        var (code, output) = await StopOnce(root.Path, experiment, "TERM", atLeast: 20, extraDelayMs: 15);
        Assert.True(code == 130, $"exit code {code} after SIGTERM; output:\n{output}");
        Assert.Contains("terminated: finishing the step and saving a checkpoint", output);
        var stopped = Assert.Single(TrialRuns(root.Path));
        Assert.Equal(RunStatus.Killed, stopped.Status);
        // The checkpoint is of the step training stopped at, off the save schedule (every 10) unless it fell on it.
        long saved = LatestCheckpoint(root.Path);
        Assert.True(saved is > 20 and < Steps, $"checkpoint of step {saved}");
        Assert.Equal(saved, (long)stopped.LatestMetrics.GetValueOrDefault("train/global_step", saved));

        using var rerun = CliProcess.Start(root.Path, Experiment.Arguments(experiment));
        Assert.True(await rerun.ExitCode(Patience) == 0, rerun.Output);
        Assert.Contains($"Resuming from {Path.Combine(TrialFolder(root.Path)!, "checkpoints", Checkpoints.Name(saved))}", rerun.Output);
        Assert.Equal(FinalWeights(uninterrupted.Root), FinalWeights(root.Path));
        Assert.Equal([RunStatus.Killed, RunStatus.Finished], TrialRuns(root.Path).Select(r => r.Status));
    }
}
