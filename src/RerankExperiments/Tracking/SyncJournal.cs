namespace RerankExperiments.Tracking;

/// <summary>
/// What <see cref="MlflowSync"/> has uploaded of one local run (<c>mlflow-sync.json</c> in the run folder, written
/// only by the sync): the server run, how many points of each metric, which params, the tag values, artifact files
/// (by size and modification time) and the status sent. A second sync sends only what this does not record, so
/// syncing twice uploads nothing twice and a run that kept logging is topped up.
/// </summary>
internal sealed class SyncJournal
{
    public const string FileName = "mlflow-sync.json";

    public required string TrackingUri { get; init; }
    public required string ServerRunId { get; init; }
    public Dictionary<string, int> Metrics { get; init; } = new(StringComparer.Ordinal);
    public HashSet<string> Params { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Tags { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Artifacts { get; init; } = new(StringComparer.Ordinal);
    public RunStatus? Status { get; set; }
    public long? EndTimeMs { get; set; }

    public static SyncJournal? Read(string runFolder) => JsonFiles.Read<SyncJournal>(Path.Combine(runFolder, FileName));

    public void Write(string runFolder) => JsonFiles.Write(Path.Combine(runFolder, FileName), this);
}
