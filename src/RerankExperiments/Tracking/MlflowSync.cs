using System.Globalization;
using Serilog;

namespace RerankExperiments.Tracking;

/// <summary>
/// Uploads the runs of a local FileStore (the offline buffer of <see cref="FallbackTrackingStore"/>, or any
/// runs/ folder) to another store, usually an MLflow server: experiments by name, runs with their names, start and
/// end times, status, every metric point (timestamp and step kept), params, tags and artifact files. A run that had
/// started on the server before an outage is topped up in place; a run born offline is created, and children's
/// <c>mlflow.parentRunId</c> is rewritten to the parent's server id (parents are uploaded first).
/// <para>
/// Idempotent: each run's <c>mlflow-sync.json</c> records what reached the server, written after every step, so a
/// second sync sends nothing and an interrupted one resumes. Run one sync per store at a time.
/// </para>
/// </summary>
public sealed class MlflowSync(FileTrackingStore source, ITrackingStore target, ILogger? logger = null)
{
    /// <summary>Metric points per log-batch call; the target chunks further if it must.</summary>
    const int MetricsPerCall = 1000;

    readonly Dictionary<string, string> _experimentIds = new(StringComparer.Ordinal);

    /// <summary>Uploads what the target lacks; returns what was sent.</summary>
    public SyncReport Run()
    {
        var runs = source.ListExperiments()
            .SelectMany(e => source.ListRunIds(e.ExperimentId).Select(id => (Experiment: e, Run: source.GetRun(id))))
            .ToList();

        // Local id → server id, for runs synced before (journal) or continued from a server run (origin).
        var serverIds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (_, run) in runs)
        {
            var folder = source.RunFolder(run.RunId);
            if (SyncJournal.Read(folder) is { } journal) serverIds[run.RunId] = journal.ServerRunId;
            else if (OfflineOrigin.Read(folder)?.ServerRunId is { } serverRunId) serverIds[run.RunId] = serverRunId;
        }

        int created = 0, updated = 0, unchanged = 0, parameters = 0, tags = 0, files = 0, statuses = 0;
        long points = 0;
        foreach (var (experiment, run) in ParentsFirst(runs))
        {
            var counts = SyncRun(experiment, run, serverIds);
            if (counts.Created) created++;
            else if (counts.Sent) updated++;
            else unchanged++;
            points += counts.Points;
            parameters += counts.Params;
            tags += counts.Tags;
            files += counts.Files;
            statuses += counts.Status ? 1 : 0;
        }
        var report = new SyncReport(created, updated, unchanged, points, parameters, tags, files, statuses);
        logger?.Information("mlflow-sync {Source} → {Target}: {Report}", source.Location, target.Location, report.ToString());
        return report;
    }

    sealed record RunCounts(bool Created, long Points, int Params, int Tags, int Files, bool Status)
    {
        public bool Sent => Created || Points > 0 || Params > 0 || Tags > 0 || Files > 0 || Status;
    }

    RunCounts SyncRun(TrackedExperiment experiment, TrackedRun run, Dictionary<string, string> serverIds)
    {
        var folder = source.RunFolder(run.RunId);
        var origin = OfflineOrigin.Read(folder);
        var journal = SyncJournal.Read(folder);
        if (journal is not null && !string.Equals(journal.TrackingUri, target.Location, StringComparison.Ordinal))
            throw new TrackingException("INVALID_STATE", "mlflow-sync",
                $"run {run.RunId} in {source.Location} was synced to {journal.TrackingUri}, not {target.Location}; sync each local store to one server");

        var runTags = new Dictionary<string, string>(run.Tags, StringComparer.Ordinal);
        if (run.ParentRunId is { } parent && serverIds.TryGetValue(parent, out var serverParent)) runTags[MlflowTags.ParentRunId] = serverParent;

        bool created = false;
        if (journal is null)
        {
            var serverRunId = origin?.ServerRunId;
            if (serverRunId is null)
            {
                var name = origin?.ExperimentName ?? experiment.Name;
                if (!_experimentIds.TryGetValue(name, out var experimentId))
                    _experimentIds[name] = experimentId = target.GetOrCreateExperiment(name);
                serverRunId = target.CreateRun(experimentId, run.RunName, runTags, run.StartTimeMs).RunId;
                created = true;
            }
            // Recorded before anything else is sent, so an interrupted sync never creates the run twice.
            journal = new SyncJournal { TrackingUri = target.Location, ServerRunId = serverRunId };
            if (created) foreach (var (key, value) in runTags) journal.Tags[key] = value;
            journal.Write(folder);
            serverIds[run.RunId] = serverRunId;
        }
        var serverId = journal.ServerRunId;
        var empty = new Dictionary<string, string>();

        var newParams = run.Params.Where(p => !journal.Params.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var newTags = runTags.Where(t => !journal.Tags.TryGetValue(t.Key, out var sent) || sent != t.Value)
            .ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        if (newParams.Count + newTags.Count > 0)
        {
            target.LogBatch(serverId, [], newParams, newTags);
            journal.Params.UnionWith(newParams.Keys);
            foreach (var (key, value) in newTags) journal.Tags[key] = value;
            journal.Write(folder);
        }

        long points = 0;
        foreach (var key in run.LatestMetrics.Keys.Order(StringComparer.Ordinal))
        {
            var history = source.GetMetricHistory(run.RunId, key);
            int sent = journal.Metrics.GetValueOrDefault(key);
            for (int start = sent; start < history.Count; start += MetricsPerCall)
            {
                var slice = history.Skip(start).Take(MetricsPerCall).ToList();
                target.LogBatch(serverId, slice, empty, empty);
                journal.Metrics[key] = start + slice.Count;
                journal.Write(folder);
                points += slice.Count;
            }
        }

        int files = 0;
        var artifacts = source.ArtifactDirectory(run.RunId);
        // The buffer is plain files anyone could edit: artifacts are read only from inside the store, never through a link out.
        if (!ArtifactPaths.IsInside(source.Location, artifacts))
            throw new TrackingException("INVALID_STATE", "mlflow-sync",
                $"run {run.RunId} in {source.Location} says its artifacts are at {artifacts}, outside the store (meta.yaml edited?); refused: nothing outside the store is uploaded");
        if (Directory.Exists(artifacts))
        {
            IReadOnlyList<(string LocalFile, string RelativePath)> plan;
            try { plan = ArtifactPaths.Plan(artifacts, null); }
            catch (ArgumentException error) { throw new TrackingException("INVALID_STATE", "mlflow-sync", $"run {run.RunId}: {error.Message}", inner: error); }
            foreach (var (file, relative) in plan)
            {
                var info = new FileInfo(file);
                var stamp = string.Create(CultureInfo.InvariantCulture, $"{info.Length}:{info.LastWriteTimeUtc.Ticks}");
                if (journal.Artifacts.GetValueOrDefault(relative) == stamp) continue;
                var folderPath = relative.Contains('/') ? relative[..relative.LastIndexOf('/')] : null;
                target.LogArtifact(serverId, file, folderPath);
                journal.Artifacts[relative] = stamp;
                journal.Write(folder);
                files++;
            }
        }

        bool status = false;
        if (journal.Status != run.Status || journal.EndTimeMs != run.EndTimeMs)
        {
            // A run still RUNNING here (crashed, or still going) is sent as it is; a later sync sends its final state.
            if (!(created && run.Status == RunStatus.Running && run.EndTimeMs is null))
            {
                target.UpdateRun(serverId, run.Status, run.EndTimeMs);
                status = true;
            }
            journal.Status = run.Status;
            journal.EndTimeMs = run.EndTimeMs;
            journal.Write(folder);
        }
        return new RunCounts(created, points, newParams.Count, newTags.Count, files, status);
    }

    /// <summary>Runs ordered so that a parent in the same store comes before its children.</summary>
    static List<(TrackedExperiment Experiment, TrackedRun Run)> ParentsFirst(List<(TrackedExperiment Experiment, TrackedRun Run)> runs)
    {
        var byId = runs.ToDictionary(r => r.Run.RunId, StringComparer.Ordinal);
        var ordered = new List<(TrackedExperiment, TrackedRun)>(runs.Count);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in runs.OrderBy(r => r.Run.StartTimeMs).ThenBy(r => r.Run.RunId, StringComparer.Ordinal)) Place(entry, new HashSet<string>(StringComparer.Ordinal));
        return ordered;

        void Place((TrackedExperiment Experiment, TrackedRun Run) entry, HashSet<string> path)
        {
            if (placed.Contains(entry.Run.RunId) || !path.Add(entry.Run.RunId)) return;
            if (entry.Run.ParentRunId is { } parent && byId.TryGetValue(parent, out var parentEntry)) Place(parentEntry, path);
            placed.Add(entry.Run.RunId);
            ordered.Add(entry);
        }
    }
}
