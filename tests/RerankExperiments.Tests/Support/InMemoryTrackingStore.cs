using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Support;

/// <summary>A tracking store in memory with MLflow's write rules (params immutable, metrics appended), for runner tests.</summary>
public sealed class InMemoryTrackingStore : ITrackingStore
{
    sealed class Run(string id, string experimentId, string name, long start)
    {
        public readonly string Id = id, ExperimentId = experimentId, Name = name;
        public readonly long Start = start;
        public RunStatus Status = RunStatus.Running;
        public long? End;
        public readonly Dictionary<string, string> Params = new(), Tags = new();
        public readonly List<MetricPoint> Metrics = [];
        public readonly List<(string Local, string? ArtifactPath)> Artifacts = [];
    }

    readonly Dictionary<string, string> _experiments = new();
    readonly List<Run> _runs = [];

    public string Location => "memory";

    public IReadOnlyList<(string Local, string? ArtifactPath)> ArtifactsOf(string runId) => Find(runId).Artifacts;

    public IReadOnlyList<TrackedRun> AllRuns => _runs.Select(r => GetRun(r.Id)).ToList();

    public string GetOrCreateExperiment(string name)
    {
        if (!_experiments.TryGetValue(name, out var id)) _experiments[name] = id = (_experiments.Count + 1).ToString();
        return id;
    }

    public TrackedRun CreateRun(string experimentId, string runName, IReadOnlyDictionary<string, string> tags, long startTimeMs)
    {
        var run = new Run(Guid.NewGuid().ToString("N"), experimentId, runName, startTimeMs);
        foreach (var (k, v) in tags) run.Tags[k] = v;
        run.Tags[MlflowTags.RunName] = runName;
        _runs.Add(run);
        return GetRun(run.Id);
    }

    public void LogBatch(string runId, IReadOnlyList<MetricPoint> metrics, IReadOnlyDictionary<string, string> parameters, IReadOnlyDictionary<string, string> tags)
    {
        var run = Find(runId);
        foreach (var (k, v) in parameters)
        {
            if (!TrackingKeys.IsValid(k)) throw new ArgumentException($"invalid param key '{k}'");
            if (run.Params.TryGetValue(k, out var old) && old != v) throw new InvalidOperationException($"param {k} changed from {old} to {v}");
            run.Params[k] = v;
        }
        foreach (var m in metrics)
            if (!TrackingKeys.IsValid(m.Key)) throw new ArgumentException($"invalid metric key '{m.Key}'");
        run.Metrics.AddRange(metrics);
        foreach (var (k, v) in tags) run.Tags[k] = v;
    }

    public void UpdateRun(string runId, RunStatus status, long? endTimeMs)
    {
        var run = Find(runId);
        run.Status = status;
        run.End = endTimeMs;
    }

    public void LogArtifact(string runId, string localPath, string? artifactPath = null)
    {
        if (!File.Exists(localPath) && !Directory.Exists(localPath)) throw new FileNotFoundException(localPath);
        Find(runId).Artifacts.Add((localPath, artifactPath));
    }

    public TrackedRun GetRun(string runId)
    {
        var r = Find(runId);
        var latest = r.Metrics.GroupBy(m => m.Key).ToDictionary(g => g.Key, g => g.OrderBy(m => m.Step).ThenBy(m => m.TimestampMs).ThenBy(m => m.Value).Last().Value);
        return new TrackedRun(r.Id, r.ExperimentId, r.Name, r.Status, r.Start, r.End, $"memory://{r.Id}", new Dictionary<string, string>(r.Params), new Dictionary<string, string>(r.Tags), latest);
    }

    public IReadOnlyList<TrackedRun> FindRuns(string experimentId, IReadOnlyDictionary<string, string> tagsEqual) =>
        _runs.Where(r => r.ExperimentId == experimentId && tagsEqual.All(t => r.Tags.TryGetValue(t.Key, out var v) && v == t.Value)).Select(r => GetRun(r.Id)).ToList();

    public IReadOnlyList<MetricPoint> GetMetricHistory(string runId, string key) => Find(runId).Metrics.Where(m => m.Key == key).ToList();

    Run Find(string runId) => _runs.FirstOrDefault(r => r.Id == runId) ?? throw new TrackingException("RESOURCE_DOES_NOT_EXIST", "runs/get", $"Run '{runId}' not found");
}
