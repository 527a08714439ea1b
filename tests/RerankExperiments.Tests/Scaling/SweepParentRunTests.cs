using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Tests.Experiments;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Scaling;

/// <summary>
/// The sweep's parent in a store that picks its own run ids (an MLflow server; here the in-memory store): a job that
/// finds a parent made in the same instant by another job steps aside, and the report moves the trial runs filed under
/// a duplicate to the winner. And in a FileStore: a deterministic id, so a second creator gets the same run.
/// </summary>
public sealed class SweepParentRunTests : IDisposable
{
    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    ExperimentPlan Plan() => ExperimentLoader.Load(_fixture.Write(_fixture.ValidYaml(
        "tracking:\n  experiment: grid\nsweep:\n  parameters:\n    training.learning_rate: [1.0e-4, 3.0e-4]")), null, _ => null);

    static readonly Serilog.ILogger Log = new Serilog.LoggerConfiguration().CreateLogger();

    [Fact]
    public void A_parent_created_by_a_racing_job_is_marked_duplicate_and_its_children_move_to_the_winner()
    {
        var plan = Plan();
        var store = new InMemoryTrackingStore();
        string experiment = store.GetOrCreateExperiment("grid");
        var sweepTags = new Dictionary<string, string> { [RunTags.SweepHash] = plan.SweepHash, [RunTags.Kind] = "sweep" };
        // The other job's parent, and a trial it already filed under it.
        var winner = store.CreateRun(experiment, "grid", sweepTags, startTimeMs: 1000);
        var loserChild = store.CreateRun(experiment, "t1", new Dictionary<string, string>
        {
            [RunTags.Kind] = "trial", [RunTags.SweepHash] = plan.SweepHash, [MlflowTags.ParentRunId] = "someone-else", [RunTags.TrialIndex] = "1",
            [RunTags.ConfigHash] = plan.Trials[1].ConfigHash,
        }, 2000);
        store.UpdateRun(loserChild.RunId, RunStatus.Finished, 3000);

        var parents = new SweepParentRun(store, Log);
        Assert.Equal(winner.RunId, parents.Resolve(plan, experiment, new Dictionary<string, string>(), null, reopen: false));
        Assert.Single(store.AllRuns, r => r.Tags.GetValueOrDefault(RunTags.Kind) == "sweep");

        // Two parents exist (created in the same instant elsewhere): the earliest is the parent, whoever asks.
        var late = store.CreateRun(experiment, "grid", sweepTags, startTimeMs: 5000);
        Assert.Equal(winner.RunId, SweepParentRun.Find(store, experiment, plan)!.RunId);

        var outcomes = TrialRunState.Read(store, experiment, plan).Select(s => s.ToOutcome()).ToList();
        parents.Finish(plan, experiment, winner.RunId, outcomes, null, null);
        Assert.Equal(winner.RunId, store.GetRun(loserChild.RunId).ParentRunId);
        Assert.Equal(RunStatus.Failed, store.GetRun(winner.RunId).Status); // trial 0 has no run
        Assert.Equal(RunStatus.Running, store.GetRun(late.RunId).Status);
    }

    [Fact]
    public void A_job_that_creates_a_second_parent_steps_aside()
    {
        var plan = Plan();
        var store = new RacingStore(plan);
        string experiment = store.GetOrCreateExperiment("grid");
        string parent = new SweepParentRun(store, Log).Resolve(plan, experiment, new Dictionary<string, string>(), null, reopen: false);
        Assert.Equal(store.RivalRunId, parent);
        var mine = Assert.Single(store.AllRuns, r => r.RunId != store.RivalRunId);
        Assert.Equal(SweepParentRun.DuplicateKind, mine.Tags[RunTags.Kind]);
        Assert.Equal(RunStatus.Killed, mine.Status);
        Assert.Contains(store.RivalRunId!, mine.Tags[RunTags.Error]);
    }

    [Fact]
    public void In_a_file_store_a_second_creator_gets_the_same_parent()
    {
        var plan = Plan();
        string root = Path.Combine(_fixture.Root, "runs");
        var first = new FileTrackingStore(root);
        var second = new FileTrackingStore(root);
        string experiment = first.GetOrCreateExperiment("grid");
        // The second job looked before the first created the parent (it saw none), and creates too.
        string a = new SweepParentRun(first, Log).Resolve(plan, experiment, new Dictionary<string, string>(), null, reopen: false);
        string b = new SweepParentRun(second, Log).Create(plan, experiment, new Dictionary<string, string>());
        Assert.Equal(a, b);
        Assert.Equal(SweepParentRun.DeterministicRunId(experiment, plan.SweepHash), a);
        Assert.Single(first.FindRuns(experiment, new Dictionary<string, string>()));
        Assert.Equal("2", first.GetRun(a).Params["sweep.trials"]);
    }

    /// <summary>A store in which another job creates a parent at the same moment as the first CreateRun.</summary>
    sealed class RacingStore(ExperimentPlan plan) : ITrackingStore
    {
        readonly InMemoryTrackingStore _inner = new();

        public string? RivalRunId { get; private set; }

        public IReadOnlyList<TrackedRun> AllRuns => _inner.AllRuns;

        public string Location => _inner.Location;

        public string GetOrCreateExperiment(string name) => _inner.GetOrCreateExperiment(name);

        public TrackedRun CreateRun(string experimentId, string runName, IReadOnlyDictionary<string, string> tags, long startTimeMs)
        {
            RivalRunId ??= _inner.CreateRun(experimentId, runName, new Dictionary<string, string> { [RunTags.SweepHash] = plan.SweepHash, [RunTags.Kind] = "sweep" }, startTimeMs - 1).RunId;
            return _inner.CreateRun(experimentId, runName, tags, startTimeMs);
        }

        public void LogBatch(string runId, IReadOnlyList<MetricPoint> metrics, IReadOnlyDictionary<string, string> parameters, IReadOnlyDictionary<string, string> tags) =>
            _inner.LogBatch(runId, metrics, parameters, tags);

        public void UpdateRun(string runId, RunStatus status, long? endTimeMs) => _inner.UpdateRun(runId, status, endTimeMs);

        public void LogArtifact(string runId, string localPath, string? artifactPath = null) => _inner.LogArtifact(runId, localPath, artifactPath);

        public TrackedRun GetRun(string runId) => _inner.GetRun(runId);

        public IReadOnlyList<TrackedRun> FindRuns(string experimentId, IReadOnlyDictionary<string, string> tagsEqual) => _inner.FindRuns(experimentId, tagsEqual);

        public IReadOnlyList<MetricPoint> GetMetricHistory(string runId, string key) => _inner.GetMetricHistory(runId, key);
    }
}
