namespace RerankExperiments.Experiments.Running;

/// <summary>
/// How the runner runs a plan. Trial: only that trial (by index; job arrays and CI matrices). Resume: skip trials whose
/// config hash already has a FINISHED run. SourceName: the command recorded as mlflow.source.name. CacheDirectory:
/// where mined data is cached. WorkingDirectory: where relative paths and .git are looked up. ParentRunId: the sweep's
/// parent run, as `rerank sweep submit` created it (null: found by the sweep hash, or created).
/// </summary>
public sealed record RunnerOptions(
    int? Trial = null,
    bool Resume = true,
    string SourceName = "rerank run",
    string CacheDirectory = "runs/cache",
    string WorkingDirectory = ".",
    string? ParentRunId = null);
