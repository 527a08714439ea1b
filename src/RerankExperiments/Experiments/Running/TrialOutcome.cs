using RerankExperiments.Tracking;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// How one trial ended: its MLflow run, status, whether it was skipped because a FINISHED run with the same config
/// hash existed, its final metrics (baseline metrics under "baseline/…"), and the saved model folder.
/// </summary>
public sealed record TrialOutcome(TrialPlan Trial, string? RunId, RunStatus Status, bool Skipped, IReadOnlyDictionary<string, double> Metrics,
    string? Error, string? ModelPath);

/// <summary>The outcome of a whole run of an experiment: the parent run of a sweep, and each trial's outcome.</summary>
public sealed record ExperimentOutcome(string ExperimentId, string? ParentRunId, IReadOnlyList<TrialOutcome> Trials, string? BestMetric, int? BestTrial)
{
    public bool Interrupted => Trials.Any(t => t.Status == RunStatus.Killed);
    public bool AnyFailed => Trials.Any(t => t.Status == RunStatus.Failed);
}
