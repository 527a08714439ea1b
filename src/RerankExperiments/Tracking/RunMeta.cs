using System.Globalization;

namespace RerankExperiments.Tracking;

/// <summary>
/// A FileStore run's meta.yaml: MLflow's RunInfo with every field MLflow 2.x and 3.x read (run_uuid and run_id
/// both, status as its number, end_time and deleted_time null until set, source_type 4 = LOCAL, tags []).
/// </summary>
internal sealed record RunMeta(string RunId, string ExperimentId, string RunName, string UserId, RunStatus Status,
    long StartTimeMs, long? EndTimeMs, string ArtifactUri, string LifecycleStage)
{
    public string ToYaml() => MetaYaml.Write(new Dictionary<string, object?>
    {
        ["artifact_uri"] = ArtifactUri,
        ["deleted_time"] = null,
        ["end_time"] = EndTimeMs,
        ["entry_point_name"] = "",
        ["experiment_id"] = ExperimentId,
        ["lifecycle_stage"] = LifecycleStage,
        ["run_id"] = RunId,
        ["run_name"] = RunName,
        ["run_uuid"] = RunId,
        ["source_name"] = "",
        ["source_type"] = 4,
        ["source_version"] = "",
        ["start_time"] = StartTimeMs,
        ["status"] = (int)Status,
        ["tags"] = MetaYaml.EmptyList,
        ["user_id"] = UserId,
    });

    /// <summary>Reads <c>&lt;runFolder&gt;/meta.yaml</c>, as written by this store or by MLflow itself.</summary>
    public static RunMeta Read(string runFolder)
    {
        var path = Path.Combine(runFolder, "meta.yaml");
        var fields = MetaYaml.Read(File.ReadAllText(path));
        var runId = fields.GetValueOrDefault("run_id") ?? fields.GetValueOrDefault("run_uuid") ?? Path.GetFileName(runFolder);
        return new RunMeta(
            runId,
            fields.GetValueOrDefault("experiment_id") ?? Path.GetFileName(Path.GetDirectoryName(runFolder)!),
            fields.GetValueOrDefault("run_name") ?? "",
            fields.GetValueOrDefault("user_id") ?? "",
            ParseStatus(fields.GetValueOrDefault("status"), path),
            ParseLong(fields.GetValueOrDefault("start_time"), path, "start_time") ?? 0,
            ParseLong(fields.GetValueOrDefault("end_time"), path, "end_time"),
            fields.GetValueOrDefault("artifact_uri") ?? new Uri(Path.Combine(runFolder, "artifacts")).AbsoluteUri,
            fields.GetValueOrDefault("lifecycle_stage") ?? "active");
    }

    static RunStatus ParseStatus(string? text, string path)
    {
        // MLflow writes the number; a name is accepted too (hand-edited files).
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && Enum.IsDefined((RunStatus)number))
            return (RunStatus)number;
        if (Enum.TryParse<RunStatus>(text, ignoreCase: true, out var named)) return named;
        throw new FormatException($"{path}: status '{text}' is not an MLflow run status (1 to 5)");
    }

    static long? ParseLong(string? text, string path, string field)
    {
        if (text is null) return null;
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{path}: {field} '{text}' is not an integer");
    }
}
