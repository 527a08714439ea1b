using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RerankExperiments.Tracking;

/// <summary>Reading MLflow's protobuf-JSON answers (snake_case, enums by name, unset fields omitted) and writing request bodies.</summary>
internal static class MlflowJson
{
    /// <summary>A run as runs/get, runs/create and runs/search return it: {info, data:{metrics, params, tags}}.</summary>
    public static TrackedRun ReadRun(JsonElement run)
    {
        var info = run.GetProperty("info");
        var data = run.TryGetProperty("data", out var d) ? d : default;
        var runId = String(info, "run_id") ?? String(info, "run_uuid") ?? throw new FormatException("run without run_id");
        var latest = new Dictionary<string, MetricPoint>(StringComparer.Ordinal);
        foreach (var metric in Array(data, "metrics"))
        {
            var point = ReadMetric(metric);
            // runs/get already sends the latest per key; search results may carry more, so MLflow's rule decides.
            if (!latest.TryGetValue(point.Key, out var old) || MetricLines.Latest([old, point]) == point) latest[point.Key] = point;
        }
        return new TrackedRun(runId, String(info, "experiment_id") ?? "", String(info, "run_name") ?? "",
            Enum.TryParse<RunStatus>(String(info, "status"), ignoreCase: true, out var status) ? status : RunStatus.Running,
            Long(info, "start_time") ?? 0, Long(info, "end_time"), String(info, "artifact_uri") ?? "",
            Pairs(data, "params"), Pairs(data, "tags"), latest.ToDictionary(p => p.Key, p => p.Value.Value, StringComparer.Ordinal));
    }

    public static MetricPoint ReadMetric(JsonElement metric)
    {
        var value = metric.GetProperty("value");
        double number = value.ValueKind == JsonValueKind.String && MetricLines.TryParseValue(value.GetString()!, out var parsed) ? parsed : value.GetDouble();
        return new MetricPoint(String(metric, "key") ?? "", number, Long(metric, "timestamp") ?? 0, Long(metric, "step") ?? 0);
    }

    /// <summary>[{key, value}, …] for a request body.</summary>
    public static JsonArray KeyValues(IEnumerable<KeyValuePair<string, string>> pairs) =>
        new(pairs.Select(p => (JsonNode)new JsonObject { ["key"] = p.Key, ["value"] = p.Value }).ToArray());

    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ValueKind == JsonValueKind.Number ? v.GetRawText() : null
            : null;

    /// <summary>An int64 field: a JSON number, or a string (protobuf-JSON may quote int64).</summary>
    public static long? Long(JsonElement element, string name) =>
        String(element, name) is { } text && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray()
            : [];

    static Dictionary<string, string> Pairs(JsonElement data, string name)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in Array(data, name))
            if (String(item, "key") is { } key) pairs[key] = String(item, "value") ?? "";
        return pairs;
    }
}
