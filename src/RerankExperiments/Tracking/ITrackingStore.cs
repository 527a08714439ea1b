namespace RerankExperiments.Tracking;

/// <summary>
/// Where runs are recorded: MLflow's tracking API reduced to what the experiment runner needs. Implemented by the
/// local FileStore (the default, under runs/), the REST client (an MLflow server), and a fallback store that
/// writes locally while a server is unreachable (synced later by `rerank mlflow-sync`).
/// Write rules are MLflow's: metrics append, tags overwrite, params are immutable (the same value again is fine,
/// a different one is an error). Keys follow MLflow's key rules; callers sanitize first (see <see cref="TrackingKeys"/>).
/// </summary>
public interface ITrackingStore
{
    /// <summary>A human description of where runs go (a path or a URL, without credentials).</summary>
    string Location { get; }

    /// <summary>The id of the experiment with this name, created if missing (idempotent under races).</summary>
    string GetOrCreateExperiment(string name);

    /// <summary>Starts a run (status RUNNING) with these tags; mlflow.runName is set from <paramref name="runName"/>.</summary>
    TrackedRun CreateRun(string experimentId, string runName, IReadOnlyDictionary<string, string> tags, long startTimeMs);

    /// <summary>Logs metrics, params and tags of one run; implementations chunk to the server's limits.</summary>
    void LogBatch(string runId, IReadOnlyList<MetricPoint> metrics, IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, string> tags);

    /// <summary>Sets the run's status (and end time when it is terminal).</summary>
    void UpdateRun(string runId, RunStatus status, long? endTimeMs);

    /// <summary>
    /// Copies a local file or folder under the run's artifacts, at <paramref name="artifactPath"/> (null: the root), as
    /// MLflow's log_artifact / log_artifacts do: a file lands at <c>artifactPath/&lt;file name&gt;</c>, a folder's contents
    /// under <c>artifactPath/</c>. Absolute paths and '..' are refused (ArgumentException).
    /// </summary>
    void LogArtifact(string runId, string localPath, string? artifactPath = null);

    /// <summary>The run with its params, tags and latest metrics.</summary>
    TrackedRun GetRun(string runId);

    /// <summary>Active runs of an experiment whose tags include every given (key, value) pair.</summary>
    IReadOnlyList<TrackedRun> FindRuns(string experimentId, IReadOnlyDictionary<string, string> tagsEqual);

    /// <summary>Every value of one metric of a run, in logging order.</summary>
    IReadOnlyList<MetricPoint> GetMetricHistory(string runId, string key);
}
