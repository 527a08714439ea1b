namespace RerankExperiments.Tracking;

/// <summary>
/// Written once, by the process that owns the run, into the folder of a run that <see cref="FallbackTrackingStore"/>
/// kept locally (<c>mlflow-offline.json</c>): which server the run was meant for and, when the run had already
/// started there before the server became unreachable, its server run id (the local run uses the same id).
/// </summary>
internal sealed record OfflineOrigin(string TrackingUri, string ExperimentName, string? ServerRunId, string Reason)
{
    public const string FileName = "mlflow-offline.json";

    public static OfflineOrigin? Read(string runFolder) => JsonFiles.Read<OfflineOrigin>(Path.Combine(runFolder, FileName));

    public void Write(string runFolder) => JsonFiles.Write(Path.Combine(runFolder, FileName), this);
}
