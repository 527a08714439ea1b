namespace RerankExperiments.Experiments.Running;

/// <summary>The project's own tags on MLflow runs: how the runner finds a trial's or a sweep's earlier runs.</summary>
public static class RunTags
{
    /// <summary>Hash of a trial's resolved config (without sweep, tracking, description): equal hash, equal computation.</summary>
    public const string ConfigHash = "rerank.config_hash";

    /// <summary>Hash of the whole experiment file with its sweep: finds the sweep's parent run again.</summary>
    public const string SweepHash = "rerank.sweep_hash";

    /// <summary>"sweep" on a sweep's parent run, "trial" on a trial's run, "merge" on a merged model's run.</summary>
    public const string Kind = "rerank.kind";

    public const string TrialIndex = "rerank.trial";
    public const string Error = "rerank.error";
}
