using RerankExperiments.Tracking;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// Where one trial of a sweep stands in the tracking store: its deciding run (the latest FINISHED one, else the latest
/// attempt; null when it never started) and how many runs it has. What `rerank sweep status`, `--resume` and the
/// sweep report read; a job scheduler's view is added by the caller.
/// </summary>
public sealed record TrialRunState(TrialPlan Trial, TrackedRun? Run, int Runs)
{
    public bool Finished => Run?.Status == RunStatus.Finished;

    /// <summary>Every trial of <paramref name="plan"/>, in index order, as the store has it (runs found by config hash).</summary>
    public static IReadOnlyList<TrialRunState> Read(ITrackingStore store, string experimentId, ExperimentPlan plan)
    {
        var trialRuns = store.FindRuns(experimentId, new Dictionary<string, string> { [RunTags.Kind] = "trial" })
            .GroupBy(r => r.Tags.GetValueOrDefault(RunTags.ConfigHash) ?? "", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        return plan.Trials.Select(trial =>
        {
            var runs = trialRuns.GetValueOrDefault(trial.ConfigHash) ?? [];
            var run = runs.Where(r => r.Status == RunStatus.Finished).OrderByDescending(r => r.EndTimeMs).FirstOrDefault()
                ?? runs.OrderByDescending(r => r.StartTimeMs).FirstOrDefault();
            return new TrialRunState(trial, run, runs.Count);
        }).ToList();
    }

    /// <summary>The trial as an outcome for the summary and report (a trial without a run counts as FAILED: "no run").</summary>
    public TrialOutcome ToOutcome() => Run is { } run
        ? new TrialOutcome(Trial, run.RunId, run.Status, false, run.LatestMetrics, run.Tags.GetValueOrDefault(RunTags.Error), null)
        : new TrialOutcome(Trial, null, RunStatus.Failed, false, new Dictionary<string, double>(), "no run", null);
}
