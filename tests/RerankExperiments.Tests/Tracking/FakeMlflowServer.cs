using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Tracking;

/// <summary>One request as the fake server saw it (log-batch item counts included).</summary>
internal sealed record MlflowRequest(string Method, string Path, string? Authorization, string? ContentType, int BodyBytes,
    int Metrics, int Params, int Tags);

/// <summary>
/// An MLflow tracking server on 127.0.0.1 that follows the documented REST API (../shared/reference/mlflow-tracking.md):
/// JSON bodies with Content-Type application/json, protobuf-JSON answers, {error_code, message} errors with MLflow's
/// HTTP statuses (RESOURCE_ALREADY_EXISTS is 400), log-batch limits (1000 metrics, 100 params, 100 tags, 1000 items,
/// 1 MB) and param immutability, search filters on tags with paging, metric history with paging, and proxied
/// artifact uploads. Switches make it fail the next requests, drop connections (down), or require a credential.
/// </summary>
internal sealed partial class FakeMlflowServer : IDisposable
{
    sealed class Run
    {
        public required string RunId;
        public required string ExperimentId;
        public required string RunName;
        public string Status = "RUNNING";
        public long StartTime;
        public long? EndTime;
        public readonly Dictionary<string, string> Params = new(StringComparer.Ordinal);
        public readonly Dictionary<string, string> Tags = new(StringComparer.Ordinal);
        public readonly List<MetricPoint> Metrics = [];
    }

    readonly HttpListener _listener;
    readonly Lock _gate = new();
    readonly Dictionary<string, (string Name, string Stage)> _experiments = new(StringComparer.Ordinal) { ["0"] = ("Default", "active") };
    readonly Dictionary<string, Run> _runs = new(StringComparer.Ordinal);
    int _failuresLeft;
    int _failStatus;
    string? _retryAfter;
    volatile bool _down;
    int _handled;
    int? _failAfter;
    int? _failAfterStatus;

    public FakeMlflowServer()
    {
        (_listener, Port) = LoopbackHttp.StartListener();
        _ = ServeAsync();
    }

    public int Port { get; }

    public string Uri => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<MlflowRequest> Requests { get; } = new();

    public ConcurrentDictionary<string, byte[]> Artifacts { get; } = new(StringComparer.Ordinal);

    /// <summary>Every request's URL (query included) and body as text, in arrival order (for scanning for secrets).</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    /// <summary>
    /// A server that dies mid-run: after <paramref name="requests"/> requests (counted from now), every request
    /// fails: with <paramref name="status"/> (e.g. 503), or, when null, the port closes after the last answer
    /// (connection refused from then on), until <see cref="Recover"/>.
    /// </summary>
    public void FailAfter(int requests, int? status = null)
    {
        lock (_gate)
        {
            _failAfter = _handled + requests;
            _failAfterStatus = status;
        }
        if (requests == 0 && status is null) GoDown();
    }

    /// <summary>The server is back: requests are answered again.</summary>
    public void Recover()
    {
        lock (_gate) _failAfter = null;
        Down = false;
    }

    /// <summary>Requests that reached the server and were answered (not failed on purpose).</summary>
    public int Answered { get; private set; }

    /// <summary>When set, requests whose Authorization header differs get 401.</summary>
    public string? RequiredAuthorization { get; set; }

    /// <summary>Page size the server imposes on search and history, to exercise paging.</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>While true the port is closed: connections are refused, as with a dead server.</summary>
    public bool Down
    {
        get => _down;
        set
        {
            lock (_gate)
            {
                if (value == _down) return;
                _down = value;
                if (value) _listener.Stop();
                else
                {
                    _listener.Start();
                    _ = ServeAsync();
                }
            }
        }
    }

    /// <summary>The next <paramref name="count"/> requests get <paramref name="status"/> (with Retry-After when given).</summary>
    public void FailNext(int count, int status, string? retryAfter = null)
    {
        lock (_gate)
        {
            _failuresLeft = count;
            _failStatus = status;
            _retryAfter = retryAfter;
        }
    }

    public int ExperimentCount(string name)
    {
        lock (_gate) return _experiments.Values.Count(e => e.Name == name);
    }

    public TrackedRunSnapshot Snapshot(string runId)
    {
        lock (_gate)
        {
            var run = _runs[runId];
            return new TrackedRunSnapshot(run.RunId, run.ExperimentId, run.RunName, run.Status, run.StartTime, run.EndTime,
                new Dictionary<string, string>(run.Params), new Dictionary<string, string>(run.Tags), run.Metrics.ToList());
        }
    }

    public IReadOnlyList<TrackedRunSnapshot> RunsOf(string experimentName)
    {
        lock (_gate)
        {
            var ids = _runs.Values.Where(r => _experiments[r.ExperimentId].Name == experimentName).Select(r => r.RunId).ToList();
            return ids.Select(Snapshot).ToList();
        }
    }

    public void Dispose() => _listener.Close();

    Task ServeAsync() => LoopbackHttp.ServeAsync(_listener, context =>
    {
        Handle(context);
        return Task.CompletedTask;
    });

    void Handle(HttpListenerContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        request.InputStream.CopyTo(buffer);
        var body = buffer.ToArray();
        var path = request.Url!.AbsolutePath;
        JsonNode? json = null;
        int metrics = 0, parameters = 0, tags = 0;
        if (request.HttpMethod == "POST" && body.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(body);
                metrics = (json?["metrics"] as JsonArray)?.Count ?? 0;
                parameters = (json?["params"] as JsonArray)?.Count ?? 0;
                tags = (json?["tags"] as JsonArray)?.Count ?? 0;
            }
            catch (JsonException)
            {
                json = null;
            }
        }
        Requests.Enqueue(new MlflowRequest(request.HttpMethod, path, request.Headers["Authorization"], request.ContentType, body.Length, metrics, parameters, tags));
        Received.Enqueue(request.Url + "\n" + Encoding.UTF8.GetString(body));

        int status;
        string answer;
        bool dieAfterAnswer;
        lock (_gate)
        {
            _handled++;
            dieAfterAnswer = _failAfter is { } last && _handled == last && _failAfterStatus is null;
            if (_failAfter is { } limit && _handled > limit)
            {
                if (_failAfterStatus is { } failure) (status, answer) = (failure, Error("TEMPORARILY_UNAVAILABLE", "the server is failing"));
                else (status, answer) = (503, Error("TEMPORARILY_UNAVAILABLE", "the server is going down"));
            }
            else if (_failuresLeft > 0)
            {
                _failuresLeft--;
                if (_retryAfter is not null) context.Response.AddHeader("Retry-After", _retryAfter);
                (status, answer) = (_failStatus, Error(_failStatus == 429 ? "REQUEST_LIMIT_EXCEEDED" : "TEMPORARILY_UNAVAILABLE", "try again later"));
            }
            else if (RequiredAuthorization is not null && request.Headers["Authorization"] != RequiredAuthorization)
                (status, answer) = (401, Error("UNAUTHENTICATED", "You are not authenticated."));
            else
            {
                (status, answer) = Route(request, path, body, json);
                Answered++;
            }
        }
        var bytes = Encoding.UTF8.GetBytes(answer);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes);
        context.Response.Close();
        // A dead server: the port closes once the last answered request is out (connections are refused from then on).
        // (Dropping a request mid-way cannot be done with HttpListener: Response.Abort sends an empty 200.)
        if (dieAfterAnswer) GoDown();
    }

    void GoDown()
    {
        lock (_gate)
        {
            if (_failAfter is null || _down) return;
            _down = true;
            _listener.Stop();
        }
    }

    (int, string) Route(HttpListenerRequest request, string path, byte[] body, JsonNode? json)
    {
        const string Api = "/api/2.0/mlflow/";
        const string ArtifactApi = "/api/2.0/mlflow-artifacts/artifacts/";
        if (path.StartsWith(ArtifactApi, StringComparison.Ordinal) && request.HttpMethod == "PUT")
        {
            Artifacts[System.Uri.UnescapeDataString(path[ArtifactApi.Length..])] = body;
            return (200, "{}");
        }
        if (!path.StartsWith(Api, StringComparison.Ordinal)) return (404, Error("ENDPOINT_NOT_FOUND", "no such endpoint"));
        var endpoint = path[Api.Length..];
        if (request.HttpMethod == "POST")
        {
            if (request.ContentType is not { } type || type.Split(';')[0].Trim() != "application/json")
                return (400, Error("BAD_REQUEST", "Bad Request. Content-Type must be application/json"));
            if (json is not JsonObject)
                return (400, Error("MALFORMED_REQUEST", "body is not a JSON object"));
        }
        var query = request.QueryString;
        try
        {
            return (request.HttpMethod, endpoint) switch
            {
                ("GET", "experiments/get-by-name") => GetExperimentByName(query["experiment_name"]!),
                ("POST", "experiments/create") => CreateExperiment(json!),
                ("POST", "runs/create") => CreateRun(json!),
                ("POST", "runs/update") => UpdateRun(json!),
                ("POST", "runs/log-batch") => LogBatch(json!, body.Length),
                ("GET", "runs/get") => (200, new JsonObject { ["run"] = RunJson(FindRun(query["run_id"]!)) }.ToJsonString()),
                ("POST", "runs/search") => Search(json!),
                ("GET", "metrics/get-history") => History(query["run_id"]!, query["metric_key"]!, query["page_token"]),
                _ => (404, Error("ENDPOINT_NOT_FOUND", $"no endpoint {request.HttpMethod} {endpoint}")),
            };
        }
        catch (MlflowError e)
        {
            return (e.Status, Error(e.Code, e.Message));
        }
    }

    sealed class MlflowError(int status, string code, string message) : Exception(message)
    {
        public int Status { get; } = status;
        public string Code { get; } = code;
    }

    static MlflowError Invalid(string message) => new(400, "INVALID_PARAMETER_VALUE", message);

    (int, string) GetExperimentByName(string name)
    {
        foreach (var (id, (experimentName, stage)) in _experiments)
            if (experimentName == name)
                return (200, new JsonObject { ["experiment"] = new JsonObject
                {
                    ["experiment_id"] = id, ["name"] = name, ["artifact_location"] = $"mlflow-artifacts:/{id}",
                    ["lifecycle_stage"] = stage, ["creation_time"] = 1, ["last_update_time"] = 1,
                } }.ToJsonString());
        throw new MlflowError(404, "RESOURCE_DOES_NOT_EXIST", $"Could not find experiment with name '{name}'");
    }

    (int, string) CreateExperiment(JsonNode json)
    {
        var name = (string?)json["name"] ?? throw Invalid("Missing value for required parameter 'name'.");
        if (_experiments.Values.Any(e => e.Name == name))
            throw new MlflowError(400, "RESOURCE_ALREADY_EXISTS", $"Experiment '{name}' already exists.");
        var id = (_experiments.Count * 1000003L + 17).ToString(CultureInfo.InvariantCulture);
        _experiments[id] = (name, "active");
        return (200, new JsonObject { ["experiment_id"] = id }.ToJsonString());
    }

    (int, string) CreateRun(JsonNode json)
    {
        var experimentId = (string?)json["experiment_id"] ?? throw Invalid("Missing experiment_id");
        if (!_experiments.ContainsKey(experimentId)) throw new MlflowError(404, "RESOURCE_DOES_NOT_EXIST", $"No Experiment with id={experimentId} exists");
        var tags = Pairs(json["tags"]);
        var runName = (string?)json["run_name"];
        if (runName is not null && tags.TryGetValue(MlflowTags.RunName, out var tagName) && tagName != runName)
            throw Invalid("Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values");
        var run = new Run
        {
            RunId = Guid.NewGuid().ToString("N"), ExperimentId = experimentId, RunName = runName ?? tags.GetValueOrDefault(MlflowTags.RunName) ?? "random-name",
            StartTime = (long?)json["start_time"] ?? 0,
        };
        foreach (var (key, value) in tags) run.Tags[key] = value;
        run.Tags[MlflowTags.RunName] = run.RunName;
        _runs[run.RunId] = run;
        return (200, new JsonObject { ["run"] = RunJson(run) }.ToJsonString());
    }

    (int, string) UpdateRun(JsonNode json)
    {
        var run = FindRun((string?)json["run_id"] ?? throw Invalid("Missing run_id"));
        if ((string?)json["status"] is { } status)
        {
            if (status is not ("RUNNING" or "SCHEDULED" or "FINISHED" or "FAILED" or "KILLED")) throw Invalid($"Invalid status {status}");
            run.Status = status;
        }
        if ((long?)json["end_time"] is { } end) run.EndTime = end;
        return (200, new JsonObject { ["run_info"] = RunJson(run)["info"]!.DeepClone() }.ToJsonString());
    }

    (int, string) LogBatch(JsonNode json, int bodyBytes)
    {
        var run = FindRun((string?)json["run_id"] ?? throw Invalid("Missing run_id"));
        var metrics = json["metrics"] as JsonArray ?? [];
        var parameters = json["params"] as JsonArray ?? [];
        var tags = json["tags"] as JsonArray ?? [];
        if (bodyBytes > 1_000_000) throw Invalid($"Batch request body is {bodyBytes} bytes; the limit is 1000000");
        if (metrics.Count > 1000) throw Invalid($"A batch logging request can contain at most 1000 metrics. Got {metrics.Count} metrics.");
        if (parameters.Count > 100) throw Invalid($"A batch logging request can contain at most 100 params. Got {parameters.Count} params.");
        if (tags.Count > 100) throw Invalid($"A batch logging request can contain at most 100 tags. Got {tags.Count} tags.");
        if (metrics.Count + parameters.Count + tags.Count > 1000) throw Invalid("A batch logging request can contain at most 1000 items in total.");
        var batchParams = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            var key = (string)p!["key"]!;
            var value = (string)p["value"]!;
            if (!TrackingKeys.IsValid(key)) throw Invalid($"Invalid param name: '{key}'");
            if (value.Length > TrackingKeys.MaxParamValueLength) throw Invalid($"Param value for '{key}' exceeds 6000 characters");
            if (!batchParams.TryAdd(key, value)) throw Invalid($"Duplicate parameter keys have been submitted: ['{key}']");
            if (run.Params.TryGetValue(key, out var old) && old != value)
                throw Invalid($"Changing param values is not allowed. Param with key='{key}' was already logged with value='{old}' for run ID='{run.RunId}'. Attempted logging new value '{value}'.");
        }
        var points = new List<MetricPoint>();
        foreach (var m in metrics)
        {
            var key = (string)m!["key"]!;
            if (!TrackingKeys.IsValid(key)) throw Invalid($"Invalid metric name: '{key}'");
            if (m["value"] is not JsonValue v || !v.TryGetValue<double>(out var value)) throw Invalid($"Got invalid value for metric '{key}'");
            if (m["timestamp"] is null) throw Invalid("Missing value for required parameter 'metrics[0].timestamp'.");
            points.Add(new MetricPoint(key, value, (long)m["timestamp"]!, (long?)m["step"] ?? 0));
        }
        foreach (var t in tags)
        {
            var key = (string)t!["key"]!;
            if (!TrackingKeys.IsValid(key)) throw Invalid($"Invalid tag name: '{key}'");
            if (((string)t["value"]!).Length > TrackingKeys.MaxTagValueLength) throw Invalid($"Tag value for '{key}' exceeds 8000 characters");
        }
        foreach (var (key, value) in batchParams) run.Params[key] = value;
        foreach (var t in tags) run.Tags[(string)t!["key"]!] = (string)t["value"]!;
        run.Metrics.AddRange(points);
        return (200, "{}");
    }

    (int, string) Search(JsonNode json)
    {
        var experimentIds = (json["experiment_ids"] as JsonArray ?? []).Select(n => (string)n!).ToHashSet();
        var filter = (string?)json["filter"] ?? "";
        var conditions = new List<(string Key, string Value)>();
        if (filter.Trim().Length > 0)
        {
            foreach (var clause in filter.Split(" AND "))
            {
                var match = FilterClause().Match(clause.Trim());
                if (!match.Success) throw Invalid($"Invalid filter '{filter}'");
                conditions.Add((match.Groups["key"].Value, match.Groups["value"].Value));
            }
        }
        var pageSize = Math.Min((int?)json["max_results"] ?? 1000, PageSize);
        int offset = (string?)json["page_token"] is { } token ? int.Parse(token, CultureInfo.InvariantCulture) : 0;
        var matches = _runs.Values.Where(r => experimentIds.Contains(r.ExperimentId)
                && conditions.All(c => r.Tags.TryGetValue(c.Key, out var v) && v == c.Value))
            .OrderByDescending(r => r.StartTime).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList();
        var page = matches.Skip(offset).Take(pageSize).ToList();
        var answer = new JsonObject { ["runs"] = new JsonArray(page.Select(r => (JsonNode)RunJson(r)).ToArray()) };
        if (offset + pageSize < matches.Count) answer["next_page_token"] = (offset + pageSize).ToString(CultureInfo.InvariantCulture);
        return (200, answer.ToJsonString());
    }

    [GeneratedRegex("""^tags\.(?:`(?<key>[^`]+)`|(?<key>[\w.]+))\s*=\s*(?:'(?<value>[^']*)'|"(?<value>[^"]*)")$""")]
    private static partial Regex FilterClause();

    (int, string) History(string runId, string key, string? pageToken)
    {
        var run = FindRun(runId);
        var all = run.Metrics.Where(m => m.Key == key).ToList();
        int offset = pageToken is null ? 0 : int.Parse(pageToken, CultureInfo.InvariantCulture);
        var page = all.Skip(offset).Take(PageSize).ToList();
        var answer = new JsonObject { ["metrics"] = new JsonArray(page.Select(m => (JsonNode)MetricJson(m)).ToArray()) };
        if (offset + PageSize < all.Count) answer["next_page_token"] = (offset + PageSize).ToString(CultureInfo.InvariantCulture);
        return (200, answer.ToJsonString());
    }

    Run FindRun(string runId) =>
        _runs.TryGetValue(runId, out var run) ? run : throw new MlflowError(404, "RESOURCE_DOES_NOT_EXIST", $"Run '{runId}' not found");

    static JsonObject MetricJson(MetricPoint m) => new() { ["key"] = m.Key, ["value"] = m.Value, ["timestamp"] = m.TimestampMs, ["step"] = m.Step };

    static JsonObject RunJson(Run run)
    {
        var info = new JsonObject
        {
            ["run_id"] = run.RunId, ["run_uuid"] = run.RunId, ["run_name"] = run.RunName, ["experiment_id"] = run.ExperimentId,
            ["user_id"] = "", ["status"] = run.Status, ["start_time"] = run.StartTime,
            ["artifact_uri"] = $"mlflow-artifacts:/{run.ExperimentId}/{run.RunId}/artifacts", ["lifecycle_stage"] = "active",
        };
        if (run.EndTime is { } end) info["end_time"] = end;
        var latest = run.Metrics.GroupBy(m => m.Key).Select(g => g.OrderBy(m => m.Step).ThenBy(m => m.TimestampMs).ThenBy(m => m.Value).Last());
        return new JsonObject
        {
            ["info"] = info,
            ["data"] = new JsonObject
            {
                ["metrics"] = new JsonArray(latest.Select(m => (JsonNode)MetricJson(m)).ToArray()),
                ["params"] = new JsonArray(run.Params.Select(p => (JsonNode)new JsonObject { ["key"] = p.Key, ["value"] = p.Value }).ToArray()),
                ["tags"] = new JsonArray(run.Tags.Select(p => (JsonNode)new JsonObject { ["key"] = p.Key, ["value"] = p.Value }).ToArray()),
            },
            ["inputs"] = new JsonObject(),
        };
    }

    static Dictionary<string, string> Pairs(JsonNode? array)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in array as JsonArray ?? []) pairs[(string)item!["key"]!] = (string)item["value"]!;
        return pairs;
    }

    static string Error(string code, string message) => new JsonObject { ["error_code"] = code, ["message"] = message }.ToJsonString();
}

/// <summary>A run as the fake server holds it: every metric point, not only the latest.</summary>
internal sealed record TrackedRunSnapshot(string RunId, string ExperimentId, string RunName, string Status, long StartTime, long? EndTime,
    IReadOnlyDictionary<string, string> Params, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<MetricPoint> Metrics);
