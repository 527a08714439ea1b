namespace RerankExperiments.Scaling;

/// <summary>
/// How a sweep's trials are asked of Slurm (`rerank sweep submit` options): at most <see cref="MaxParallel"/> array
/// tasks at once (null: Slurm's own limit), the partition, GPUs and CPUs per trial, the time limit ("HH:MM:SS",
/// "D-HH", minutes), and extra sbatch arguments written verbatim into both scripts.
/// </summary>
public sealed record SlurmSettings(
    int? MaxParallel = null,
    string? Partition = null,
    int? GpusPerTrial = null,
    int? CpusPerTrial = null,
    string? Time = null,
    IReadOnlyList<string>? SbatchArguments = null);
