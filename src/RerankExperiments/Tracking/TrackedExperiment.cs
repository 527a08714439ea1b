namespace RerankExperiments.Tracking;

/// <summary>An experiment of a local store: its id, name and artifact location (a file:// URI).</summary>
public sealed record TrackedExperiment(string ExperimentId, string Name, string ArtifactLocation);
