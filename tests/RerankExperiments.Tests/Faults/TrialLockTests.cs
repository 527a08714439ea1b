using RerankExperiments.Cli.Commands;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Tests.Experiments;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Faults;

/// <summary>A trial folder takes one process at a time; a run its dead holder left RUNNING is marked KILLED by the next.</summary>
[Trait("Category", "Faults")]
public sealed class TrialLockTests : IDisposable
{
    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    string Store => Path.Combine(_fixture.Root, "runs");

    (int Exit, string Errors) Run(string file)
    {
        var errors = new StringWriter();
        int exit = RunCommand.Run(file, [], null, resume: true, _ => null, TextWriter.Null, errors);
        return (exit, errors.ToString());
    }

    string TrialFolder(string file) =>
        ExperimentRunner.TrialDirectory(RerankExperiments.Experiments.ExperimentLoader.Load(file, [], _ => null).Trials[0]);

    [Fact]
    public void A_trial_another_process_is_running_fails_clearly_without_touching_its_folder()
    {
        string file = _fixture.Write(_fixture.ValidYaml($"tracking:\n  uri: {Store}"));
        string folder = TrialFolder(file);
        using (TrialLock.Acquire(folder))
        {
            var (exit, errors) = Run(file);
            Assert.Equal(1, exit);
            Assert.Contains($"{folder} is in use by another process running the same trial", errors);
            Assert.False(Directory.Exists(Path.Combine(folder, "checkpoints")));
        }
        Assert.Equal(0, Run(file).Exit); // once the holder is gone, the trial runs
    }

    [Fact]
    public void A_run_left_running_by_a_dead_process_is_marked_killed_by_the_next_attempt()
    {
        string file = _fixture.Write(_fixture.ValidYaml($"tracking:\n  uri: {Store}"));
        var store = new FileTrackingStore(Store);
        string experiment = store.GetOrCreateExperiment("tiny");
        // What a process killed mid-trial leaves: a RUNNING run whose id is in the (released) lock file.
        var dead = store.CreateRun(experiment, "tiny", new Dictionary<string, string> { [RunTags.Kind] = "trial" }, 1);
        using (var held = TrialLock.Acquire(TrialFolder(file))) held.Record(dead.RunId);

        Assert.Equal(0, Run(file).Exit);
        var marked = store.GetRun(dead.RunId);
        Assert.Equal(RunStatus.Killed, marked.Status);
        Assert.Contains("the process ended without finishing the run", marked.Tags[RunTags.Error]);
        Assert.Single(store.FindRuns(experiment, new Dictionary<string, string> { [RunTags.Kind] = "trial" }), r => r.Status == RunStatus.Finished);
    }
}
