using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RerankExperiments.Tracking;

/// <summary>
/// An MLflow tracking server through its REST API (<c>/api/2.0/mlflow/…</c>), artifacts through the proxied
/// mlflow-artifacts service. Batches are split to the server's limits; NaN and ±Infinity metric values are
/// skipped and counted (SQL stores clamp or choke on them); over-long param and tag values are cut to MLflow's
/// limits as the server would do. Transport failures end, after the retries, in a <see cref="TrackingException"/>
/// whose <see cref="TrackingException.IsTransient"/> is true.
/// </summary>
public sealed class RestTrackingStore : ITrackingStore, IDisposable
{
    readonly MlflowHttp _http;
    readonly RestTrackingOptions _options;
    readonly ConcurrentDictionary<string, string> _artifactUris = new(StringComparer.Ordinal);
    long _skippedNonFinite;

    /// <param name="trackingUri">The server, e.g. <c>http://mlflow:5000</c> (a path prefix is kept).</param>
    /// <param name="credentials">From <see cref="MlflowCredentials.FromEnvironment"/>; none when null.</param>
    /// <param name="options">Retries and timeouts; MLflow's defaults when null.</param>
    /// <param name="handler">The HTTP handler (tests, proxies); a SocketsHttpHandler when null.</param>
    public RestTrackingStore(string trackingUri, MlflowCredentials? credentials = null, RestTrackingOptions? options = null,
        HttpMessageHandler? handler = null)
    {
        _options = options ?? new RestTrackingOptions();
        _http = new MlflowHttp(trackingUri, credentials ?? MlflowCredentials.None, _options, handler);
    }

    public string Location => _http.BaseUri.ToString().TrimEnd('/');

    /// <summary>How many NaN or infinite metric values were skipped instead of sent.</summary>
    public long SkippedNonFiniteMetrics => Interlocked.Read(ref _skippedNonFinite);

    public string GetOrCreateExperiment(string name)
    {
        if (TryGetExperimentByName(name) is { } found) return found;
        try
        {
            var created = _http.Post("experiments/create", new JsonObject { ["name"] = name });
            return MlflowJson.String(created, "experiment_id") ?? throw new TrackingException("BAD_RESPONSE", "experiments/create", "no experiment_id in the answer");
        }
        catch (TrackingException e) when (e.ErrorCode == "RESOURCE_ALREADY_EXISTS")
        {
            // Another worker created it between our lookup and create (mlflow#4123): it exists now.
            return TryGetExperimentByName(name)
                ?? throw new TrackingException("RESOURCE_DOES_NOT_EXIST", "experiments/get-by-name", $"experiment '{name}' exists but cannot be read", inner: e);
        }
    }

    string? TryGetExperimentByName(string name)
    {
        JsonElement answer;
        try
        {
            answer = _http.Get("experiments/get-by-name", ("experiment_name", name));
        }
        catch (TrackingException e) when (e.ErrorCode == "RESOURCE_DOES_NOT_EXIST")
        {
            return null;
        }
        var experiment = Field(answer, "experiment", "experiments/get-by-name");
        if (MlflowJson.String(experiment, "lifecycle_stage") == "deleted")
            throw new TrackingException("INVALID_STATE", "experiments/get-by-name",
                $"experiment '{name}' is deleted on the server; restore it (mlflow experiments restore) or use another name");
        return MlflowJson.String(experiment, "experiment_id");
    }

    public TrackedRun CreateRun(string experimentId, string runName, IReadOnlyDictionary<string, string> tags, long startTimeMs)
    {
        var allTags = new Dictionary<string, string>(tags, StringComparer.Ordinal) { [MlflowTags.RunName] = runName };
        var answer = _http.Post("runs/create", new JsonObject
        {
            ["experiment_id"] = experimentId,
            ["start_time"] = startTimeMs,
            ["run_name"] = runName,
            ["tags"] = MlflowJson.KeyValues(allTags.Select(t => Checked(t, TrackingKeys.MaxTagValueLength, "tag"))),
        });
        var run = MlflowJson.ReadRun(Field(answer, "run", "runs/create"));
        _artifactUris[run.RunId] = run.ArtifactUri;
        return run;
    }

    public void LogBatch(string runId, IReadOnlyList<MetricPoint> metrics, IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, string> tags)
    {
        var finite = metrics.Where(m => double.IsFinite(m.Value)).ToList();
        foreach (var metric in finite) CheckKey(metric.Key, "metric");
        if (finite.Count < metrics.Count)
        {
            Interlocked.Add(ref _skippedNonFinite, metrics.Count - finite.Count);
            _options.Logger?.Warning("MLflow: skipped {Count} NaN/Infinity metric values of run {RunId} ({Keys})",
                metrics.Count - finite.Count, runId, string.Join(", ", metrics.Where(m => !double.IsFinite(m.Value)).Select(m => m.Key).Distinct()));
        }
        var chunks = LogBatchChunker.Split(finite,
            parameters.Select(p => Checked(p, TrackingKeys.MaxParamValueLength, "param")).ToList(),
            tags.Select(t => Checked(t, TrackingKeys.MaxTagValueLength, "tag")).ToList());
        foreach (var chunk in chunks)
        {
            _http.Post("runs/log-batch", new JsonObject
            {
                ["run_id"] = runId,
                ["metrics"] = new JsonArray(chunk.Metrics.Select(m => (JsonNode)new JsonObject
                {
                    ["key"] = m.Key, ["value"] = m.Value, ["timestamp"] = m.TimestampMs, ["step"] = m.Step,
                }).ToArray()),
                ["params"] = MlflowJson.KeyValues(chunk.Params),
                ["tags"] = MlflowJson.KeyValues(chunk.Tags),
            });
        }
    }

    public void UpdateRun(string runId, RunStatus status, long? endTimeMs)
    {
        var body = new JsonObject { ["run_id"] = runId, ["run_uuid"] = runId, ["status"] = status.ToString().ToUpperInvariant() };
        if (endTimeMs is { } end) body["end_time"] = end;
        else if (status is RunStatus.Finished or RunStatus.Failed or RunStatus.Killed) body["end_time"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _http.Post("runs/update", body);
    }

    public void LogArtifact(string runId, string localPath, string? artifactPath = null)
    {
        var plan = ArtifactPaths.Plan(localPath, artifactPath);
        var artifactUri = _artifactUris.TryGetValue(runId, out var known) ? known : GetRun(runId).ArtifactUri;
        if (!Uri.TryCreate(artifactUri, UriKind.Absolute, out var uri))
            throw new TrackingException("UNSUPPORTED_ARTIFACT_STORE", "artifacts", $"run {runId} has artifact_uri '{artifactUri}', which is not a URI");
        switch (uri.Scheme)
        {
            case "mlflow-artifacts":
                // mlflow-artifacts:/<exp>/<run>/artifacts → <tracking>/api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts;
                // a host in the URI (mlflow-artifacts://host:port/…) overrides the tracking server's.
                var server = uri.Host.Length > 0
                    ? new UriBuilder(_http.BaseUri) { Host = uri.Host, Port = uri.IsDefaultPort ? -1 : uri.Port }.Uri
                    : _http.BaseUri;
                var root = "api/2.0/mlflow-artifacts/artifacts/" + uri.AbsolutePath.Trim('/');
                foreach (var (file, relative) in plan)
                    _http.PutFile(new Uri(server, root + "/" + string.Join('/', relative.Split('/').Select(Uri.EscapeDataString))), "mlflow-artifacts/artifacts", file);
                break;
            case "file":
                // The server stores artifacts on a filesystem: reachable only if it is mounted here too.
                var local = uri.LocalPath;
                var experimentFolder = Path.GetDirectoryName(Path.GetDirectoryName(local.TrimEnd('/')));
                if (!Directory.Exists(local) && (experimentFolder is null || !Directory.Exists(experimentFolder)))
                    throw new TrackingException("ARTIFACT_STORE_UNREACHABLE", "artifacts",
                        $"run {runId} stores artifacts at {artifactUri}, which is not reachable from this machine; start the server with --serve-artifacts (the default) or mount that folder here");
                foreach (var (file, relative) in plan)
                {
                    var target = ArtifactPaths.Resolve(local, relative);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(file, target, overwrite: true);
                }
                break;
            default:
                throw new TrackingException("UNSUPPORTED_ARTIFACT_STORE", "artifacts",
                    $"run {runId} stores artifacts at {uri.Scheme}:// URIs, which this client cannot write; use a server that proxies artifacts (mlflow server --serve-artifacts)");
        }
    }

    public TrackedRun GetRun(string runId)
    {
        var run = MlflowJson.ReadRun(Field(_http.Get("runs/get", ("run_id", runId)), "run", "runs/get"));
        _artifactUris[run.RunId] = run.ArtifactUri;
        return run;
    }

    public IReadOnlyList<TrackedRun> FindRuns(string experimentId, IReadOnlyDictionary<string, string> tagsEqual)
    {
        var filter = string.Join(" AND ", tagsEqual.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"tags.`{CheckKey(t.Key, "tag")}` = {Quote(t.Value)}"));
        var runs = new List<TrackedRun>();
        string? pageToken = null;
        do
        {
            var body = new JsonObject
            {
                ["experiment_ids"] = new JsonArray(experimentId),
                ["filter"] = filter,
                ["run_view_type"] = "ACTIVE_ONLY",
                ["max_results"] = 1000,
            };
            if (pageToken is not null) body["page_token"] = pageToken;
            var answer = _http.Post("runs/search", body);
            runs.AddRange(MlflowJson.Array(answer, "runs").Select(MlflowJson.ReadRun));
            pageToken = MlflowJson.String(answer, "next_page_token");
        } while (!string.IsNullOrEmpty(pageToken));
        return runs;
    }

    public IReadOnlyList<MetricPoint> GetMetricHistory(string runId, string key)
    {
        var points = new List<MetricPoint>();
        string? pageToken = null;
        do
        {
            var answer = _http.Get("metrics/get-history", ("run_id", runId), ("metric_key", key),
                ("max_results", "25000"), ("page_token", pageToken));
            points.AddRange(MlflowJson.Array(answer, "metrics").Select(MlflowJson.ReadMetric));
            pageToken = MlflowJson.String(answer, "next_page_token");
        } while (!string.IsNullOrEmpty(pageToken));
        return points;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>A search-filter string literal: single quotes, or double quotes when the value holds a single quote.</summary>
    static string Quote(string value) =>
        !value.Contains('\'') ? "'" + value + "'"
        : !value.Contains('"') ? "\"" + value + "\""
        : throw new ArgumentException($"a tag value used in a search cannot hold both quote characters: {value}");

    static JsonElement Field(JsonElement answer, string name, string endpoint) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty(name, out var value) ? value
        : throw new TrackingException("BAD_RESPONSE", endpoint, $"the answer has no '{name}': is this an MLflow server?");

    static string CheckKey(string key, string kind) =>
        TrackingKeys.IsValid(key) ? key
        : throw new TrackingException("INVALID_PARAMETER_VALUE", "runs/log-batch", $"invalid {kind} key '{key}' (see TrackingKeys.Sanitize)");

    /// <summary>A checked key with its value cut to MLflow's limit, as the server would cut it (MLFLOW_TRUNCATE_LONG_VALUES).</summary>
    KeyValuePair<string, string> Checked(KeyValuePair<string, string> pair, int maxValueLength, string kind)
    {
        CheckKey(pair.Key, kind);
        if (pair.Value.Length <= maxValueLength) return pair;
        _options.Logger?.Warning("MLflow: {Kind} '{Key}' cut from {Length} to {Max} characters", kind, pair.Key, pair.Value.Length, maxValueLength);
        return new(pair.Key, pair.Value[..maxValueLength]);
    }
}
