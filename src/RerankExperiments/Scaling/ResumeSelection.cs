using RerankExperiments.Experiments.Running;

namespace RerankExperiments.Scaling;

/// <summary>
/// Which trials `rerank sweep submit --resume` submits again: those without a FINISHED run (failed, killed, never
/// started), except those whose latest Slurm task is still queued or running (submitting them twice would run one
/// trial in two tasks; the trial lock would refuse the second anyway).
/// </summary>
public static class ResumeSelection
{
    /// <summary>Slurm states of a task that has not ended yet.</summary>
    public static readonly IReadOnlySet<string> Live = new HashSet<string>(StringComparer.Ordinal)
        { "PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT" };

    public static IReadOnlyList<int> Select(IReadOnlyList<TrialRunState> trials, IReadOnlyDictionary<int, string> slurmStates) =>
        trials.Where(t => !t.Finished && !(slurmStates.TryGetValue(t.Trial.Index, out var state) && Live.Contains(state)))
            .Select(t => t.Trial.Index).ToList();
}
