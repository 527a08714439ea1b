using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Running;

namespace RerankExperiments.Scaling;

/// <summary>
/// Where a submitted sweep keeps its files, under the experiment's output.dir: <c>{name}/slurm-{sweep hash}/</c> with
/// the resolved experiment (under the submitted file's name), the sbatch scripts, submissions.jsonl, logs/ and one working folder per task (tasks/), and
/// <c>rerank-cli/{build id}/</c>, the published CLI the jobs run.
/// </summary>
public static class SweepFolders
{
    public static string Sweep(ExperimentPlan plan) =>
        Path.GetFullPath(Path.Combine(plan.Spec.Output.Directory, ExperimentRunner.Safe(plan.Spec.Name), "slurm-" + plan.SweepHash));

    public static string PublishedCli(ExperimentPlan plan) => Path.GetFullPath(Path.Combine(plan.Spec.Output.Directory, "rerank-cli"));
}
