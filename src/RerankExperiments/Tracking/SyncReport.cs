namespace RerankExperiments.Tracking;

/// <summary>What one <see cref="MlflowSync.Run"/> uploaded.</summary>
public sealed record SyncReport(int RunsCreated, int RunsUpdated, int RunsUnchanged, long MetricPoints, int Params, int Tags,
    int ArtifactFiles, int StatusUpdates)
{
    /// <summary>True when nothing had to be sent: everything was uploaded before.</summary>
    public bool NothingSent => RunsCreated == 0 && RunsUpdated == 0;

    public override string ToString() =>
        $"{RunsCreated} runs created, {RunsUpdated} updated, {RunsUnchanged} unchanged; {MetricPoints} metric points, {Params} params, {Tags} tags, {ArtifactFiles} artifact files, {StatusUpdates} status updates";
}
