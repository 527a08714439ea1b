using System.Collections.Concurrent;
using Serilog;

namespace RerankExperiments.Tracking;

/// <summary>
/// Tracking that loses nothing when the server goes away: calls go to the server until one fails for good (no
/// answer, or a retryable status after every retry); from then on this store is offline and everything goes to a
/// local FileStore, to be uploaded later by <see cref="MlflowSync"/> (<c>rerank mlflow-sync</c>).
/// <para>
/// A run that had started on the server continues locally under the same run id, so the caller's id stays valid;
/// a run started while offline gets a local id, and the sync rewrites children's parent links to the server ids.
/// Each local run carries <c>mlflow-offline.json</c> saying which server it belongs to. Errors the server gave on
/// purpose (a changed param, a bad key) are not outages: they reach the caller unchanged.
/// </para>
/// </summary>
public sealed class FallbackTrackingStore : ITrackingStore, IDisposable
{
    readonly ITrackingStore _remote;
    readonly FileTrackingStore _local;
    readonly ILogger? _logger;
    readonly Lock _gate = new();
    readonly ConcurrentDictionary<string, string> _experimentNames = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, RunRecord> _runs = new(StringComparer.Ordinal);
    /// <summary>Experiment ids of the local store handed out (through GetOrCreateExperiment or a local run's GetRun): never sent to the server.</summary>
    readonly ConcurrentDictionary<string, bool> _localExperimentIds = new(StringComparer.Ordinal);
    volatile bool _offline;

    /// <summary>What this store knows of a run it created: enough to continue it locally.</summary>
    sealed record RunRecord(string ExperimentName, string RunName, long StartTimeMs, IReadOnlyDictionary<string, string> Tags, bool IsLocal);

    /// <param name="remote">The server (usually a <see cref="RestTrackingStore"/>); disposed with this store.</param>
    /// <param name="local">The offline buffer, e.g. <c>.mlflow-offline/</c>.</param>
    /// <param name="logger">Told once when the store goes offline, with the command that syncs later.</param>
    public FallbackTrackingStore(ITrackingStore remote, FileTrackingStore local, ILogger? logger = null)
    {
        _remote = remote;
        _local = local;
        _logger = logger;
    }

    /// <summary>True once the server has been unreachable: every later call goes to the local store.</summary>
    public bool IsOffline => _offline;

    /// <summary>The offline buffer.</summary>
    public FileTrackingStore LocalStore => _local;

    public string Location => _offline ? $"{_local.Location} (offline buffer for {_remote.Location})" : _remote.Location;

    public string GetOrCreateExperiment(string name)
    {
        if (TryRemote(() => _remote.GetOrCreateExperiment(name), out var remoteId))
        {
            _experimentNames[remoteId] = name;
            return remoteId;
        }
        return LocalExperiment(name);
    }

    public TrackedRun CreateRun(string experimentId, string runName, IReadOnlyDictionary<string, string> tags, long startTimeMs)
    {
        var experimentName = _experimentNames.TryGetValue(experimentId, out var known) ? known
            : throw new ArgumentException($"experiment id '{experimentId}' was not returned by this store's GetOrCreateExperiment", nameof(experimentId));
        var snapshot = new Dictionary<string, string>(tags, StringComparer.Ordinal);
        if (!_localExperimentIds.ContainsKey(experimentId) && TryRemote(() => _remote.CreateRun(experimentId, runName, tags, startTimeMs), out var remoteRun))
        {
            _runs[remoteRun.RunId] = new RunRecord(experimentName, runName, startTimeMs, snapshot, IsLocal: false);
            return remoteRun;
        }
        lock (_gate)
        {
            var run = _local.CreateRun(LocalExperiment(experimentName), runName, tags, startTimeMs);
            new OfflineOrigin(_remote.Location, experimentName, ServerRunId: null, "created while the server was unreachable").Write(_local.RunFolder(run.RunId));
            _runs[run.RunId] = new RunRecord(experimentName, runName, startTimeMs, snapshot, IsLocal: true);
            return run;
        }
    }

    public void LogBatch(string runId, IReadOnlyList<MetricPoint> metrics, IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, string> tags) =>
        Write(runId, store => store.LogBatch(runId, metrics, parameters, tags));

    public void UpdateRun(string runId, RunStatus status, long? endTimeMs) => Write(runId, store => store.UpdateRun(runId, status, endTimeMs));

    public void LogArtifact(string runId, string localPath, string? artifactPath = null)
    {
        // Checked first: a bad path is the caller's error, not a reason to go offline.
        ArtifactPaths.Normalize(artifactPath);
        Write(runId, store => store.LogArtifact(runId, localPath, artifactPath));
    }

    public TrackedRun GetRun(string runId) =>
        IsLocalRun(runId) ? _local.GetRun(runId)
        : TryRemote(() => _remote.GetRun(runId), out var run) ? run
        : _local.ContainsRun(runId) ? _local.GetRun(runId)
        : throw new TrackingException("UNREACHABLE", "runs/get", $"run {runId} is on {_remote.Location}, which is unreachable");

    public IReadOnlyList<TrackedRun> FindRuns(string experimentId, IReadOnlyDictionary<string, string> tagsEqual)
    {
        var found = new Dictionary<string, TrackedRun>(StringComparer.Ordinal);
        bool remoteAnswered = TryRemote(() => _remote.FindRuns(experimentId, tagsEqual), out var remoteRuns)
            && remoteRuns.All(r => found.TryAdd(r.RunId, r));
        // Local runs not yet synced are found too (a trial finished offline is not re-run); their local state is newer.
        if (_experimentNames.TryGetValue(experimentId, out var name) && _local.FindExperiment(name) is { } localExperiment)
            foreach (var run in _local.FindRuns(localExperiment.ExperimentId, tagsEqual))
                if (!remoteAnswered || SyncJournal.Read(_local.RunFolder(run.RunId)) is null)
                    found[run.RunId] = run;
        return found.Values.OrderByDescending(r => r.StartTimeMs).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<MetricPoint> GetMetricHistory(string runId, string key)
    {
        if (!IsLocalRun(runId) && TryRemote(() => _remote.GetMetricHistory(runId, key), out var points)) return points;
        if (!_local.ContainsRun(runId)) throw new TrackingException("UNREACHABLE", "metrics/get-history", $"run {runId} is on {_remote.Location}, which is unreachable");
        // A run continued locally: what reached the server before the outage is there, the rest here.
        return _local.GetMetricHistory(runId, key);
    }

    public void Dispose() => (_remote as IDisposable)?.Dispose();

    bool IsLocalRun(string runId) => _runs.TryGetValue(runId, out var record) && record.IsLocal;

    /// <summary>A write for one run: to the server while it answers, else to the local continuation of the run.</summary>
    void Write(string runId, Action<ITrackingStore> write)
    {
        if (!IsLocalRun(runId) && TryRemote(() => { write(_remote); return true; }, out _)) return;
        lock (_gate)
        {
            ContinueLocally(runId);
            write(_local);
        }
    }

    /// <summary>Makes the local copy of a server run (same id) that receives its writes from now on.</summary>
    void ContinueLocally(string runId)
    {
        if (IsLocalRun(runId)) return;
        if (!_local.ContainsRun(runId))
        {
            // A run this process did not create (found by FindRuns, or resumed) keeps what is known: its id.
            var record = _runs.TryGetValue(runId, out var r) ? r
                : new RunRecord("Default", runId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), new Dictionary<string, string>(), false);
            // Its local experiment id is known from here on: GetRun now answers with it, and a child run may name it.
            _local.CreateRun(LocalExperiment(record.ExperimentName), record.RunName, record.Tags, record.StartTimeMs, runId);
            new OfflineOrigin(_remote.Location, record.ExperimentName, runId, "the server became unreachable during the run").Write(_local.RunFolder(runId));
        }
        _runs.AddOrUpdate(runId,
            _ => new RunRecord("Default", runId, 0, new Dictionary<string, string>(), IsLocal: true),
            (_, old) => old with { IsLocal = true });
    }

    /// <summary>The local store's experiment of this name, remembered as local.</summary>
    string LocalExperiment(string name)
    {
        var id = _local.GetOrCreateExperiment(name);
        _experimentNames[id] = name;
        _localExperimentIds[id] = true;
        return id;
    }

    /// <summary>Calls the server unless offline; a transient failure switches this store offline and returns false.</summary>
    bool TryRemote<T>(Func<T> call, out T result)
    {
        result = default!;
        if (_offline) return false;
        try
        {
            result = call();
            return true;
        }
        catch (TrackingException e) when (e.IsTransient)
        {
            if (!_offline)
            {
                _offline = true;
                _logger?.Warning("MLflow server {Server} unreachable ({Error}); tracking continues in {Local}. Upload later: rerank mlflow-sync --from {Local} --to {Server}",
                    _remote.Location, e.Message, _local.Location, _local.Location, _remote.Location);
            }
            return false;
        }
    }
}
