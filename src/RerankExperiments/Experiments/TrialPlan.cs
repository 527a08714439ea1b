using RerankExperiments.Experiments.Config;
using RerankExperiments.Experiments.Sweeps;

namespace RerankExperiments.Experiments;

/// <summary>
/// One runnable trial: its sweep assignments, the validated spec, the resolved config (logged as YAML and flattened
/// into params) and the config hash that identifies it across runs (resume skips a hash that already FINISHED).
/// </summary>
public sealed record TrialPlan(int Index, string Name, IReadOnlyList<SweepAssignment> Assignments, ExperimentSpec Spec, ConfigNode Resolved, string ConfigHash)
{
    /// <summary>The resolved config as YAML.</summary>
    public string ResolvedYaml => ConfigYamlWriter.Write(Resolved);
}

/// <summary>An experiment ready to run: where it came from, its sweep (if any) and every trial, in index order.</summary>
public sealed record ExperimentPlan(string SourceFile, ExperimentSpec Spec, SweepSpec? Sweep, IReadOnlyList<TrialPlan> Trials, string SweepHash);
