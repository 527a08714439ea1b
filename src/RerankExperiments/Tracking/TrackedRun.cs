namespace RerankExperiments.Tracking;

/// <summary>
/// A run as a store reports it: MLflow's RunInfo plus its data. <see cref="LatestMetrics"/> holds each metric's latest
/// value (MLflow's rule: the point with the greatest (step, timestamp, value)).
/// </summary>
public sealed record TrackedRun(
    string RunId,
    string ExperimentId,
    string RunName,
    RunStatus Status,
    long StartTimeMs,
    long? EndTimeMs,
    string ArtifactUri,
    IReadOnlyDictionary<string, string> Params,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, double> LatestMetrics)
{
    /// <summary>The parent's run id (tag mlflow.parentRunId), if this run is a child.</summary>
    public string? ParentRunId => Tags.TryGetValue(MlflowTags.ParentRunId, out var id) ? id : null;
}
