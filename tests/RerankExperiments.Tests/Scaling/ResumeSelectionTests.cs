using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Scaling;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Scaling;

/// <summary>--resume submits trials without a FINISHED run, except those whose Slurm task has not ended.</summary>
public sealed class ResumeSelectionTests
{
    static TrialRunState State(int index, RunStatus? status, int runs = 1) => new(
        new TrialPlan(index, $"t{index}", [], null!, null!, $"hash{index}"),
        status is { } s ? new TrackedRun($"run{index}", "1", $"t{index}", s, 1, null, "", new Dictionary<string, string>(), new Dictionary<string, string>(), new Dictionary<string, double>()) : null,
        status is null ? 0 : runs);

    [Fact]
    public void Failed_killed_unfinished_and_missing_trials_are_selected()
    {
        var trials = new[] { State(0, RunStatus.Finished), State(1, RunStatus.Failed), State(2, RunStatus.Killed), State(3, null), State(4, RunStatus.Running), State(5, RunStatus.Finished, runs: 3) };
        Assert.Equal([1, 2, 3, 4], ResumeSelection.Select(trials, new Dictionary<int, string>()));
    }

    [Fact]
    public void Trials_whose_task_is_still_queued_or_running_are_left_alone()
    {
        var trials = new[] { State(0, RunStatus.Running), State(1, null), State(2, RunStatus.Killed), State(3, RunStatus.Running) };
        var slurm = new Dictionary<int, string> { [0] = "RUNNING", [1] = "PENDING", [2] = "CANCELLED", [3] = "FAILED" };
        // 3's task failed while its run still says RUNNING (the process was killed -9): it is resubmitted.
        Assert.Equal([2, 3], ResumeSelection.Select(trials, slurm));
    }

    [Fact]
    public void Nothing_is_selected_when_every_trial_finished() =>
        Assert.Empty(ResumeSelection.Select([State(0, RunStatus.Finished), State(1, RunStatus.Finished)], new Dictionary<int, string> { [1] = "CANCELLED" }));
}
