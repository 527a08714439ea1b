namespace RerankExperiments.Experiments.Sweeps;

/// <summary>One trial of a sweep before its config is resolved: its index (from 0), readable name and assignments.</summary>
public sealed record SweepTrial(int Index, string Name, IReadOnlyList<SweepAssignment> Assignments);
