using System.Text;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Tracking;

public sealed class RestTrackingStoreTests
{
    static readonly Dictionary<string, string> NoTags = new();

    /// <summary>Retries as MLflow's client does them, but milliseconds apart.</summary>
    internal static readonly RestTrackingOptions Fast = new() { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(5), RequestTimeout = TimeSpan.FromSeconds(10) };

    static List<MlflowRequest> Calls(FakeMlflowServer server, string endpoint) =>
        server.Requests.Where(r => r.Path.EndsWith(endpoint, StringComparison.Ordinal)).ToList();

    [Fact]
    public void Create_log_update_get_search_history_and_artifacts()
    {
        using var server = new FakeMlflowServer();
        using var store = new RestTrackingStore(server.Uri, options: Fast);
        var experimentId = store.GetOrCreateExperiment("rerank");
        Assert.Equal(experimentId, store.GetOrCreateExperiment("rerank"));

        var parent = store.CreateRun(experimentId, "sweep", new Dictionary<string, string> { ["rerank.kind"] = "sweep" }, 1_000);
        Assert.Equal(RunStatus.Running, parent.Status);
        Assert.Equal("sweep", parent.Tags[MlflowTags.RunName]);
        var child = store.CreateRun(experimentId, "trial 1", new Dictionary<string, string> { [MlflowTags.ParentRunId] = parent.RunId, ["rerank.trial"] = "it's 1" }, 2_000);

        store.LogBatch(child.RunId,
            [new("train/loss", 0.9, 10, 1), new("train/loss", 0.4, 20, 2), new("lr", 2e-5, 20, 2), new("bad", double.NaN, 30, 3), new("worse", double.NegativeInfinity, 30, 3)],
            new Dictionary<string, string> { ["training.learning_rate"] = "2e-05" },
            new Dictionary<string, string> { ["stage"] = "train" });
        Assert.Equal(2, store.SkippedNonFiniteMetrics);
        store.UpdateRun(child.RunId, RunStatus.Finished, 5_000);

        var read = store.GetRun(child.RunId);
        Assert.Equal("trial 1", read.RunName);
        Assert.Equal(RunStatus.Finished, read.Status);
        Assert.Equal(5_000, read.EndTimeMs);
        Assert.Equal(2_000, read.StartTimeMs);
        Assert.Equal(0.4, read.LatestMetrics["train/loss"]);
        Assert.False(read.LatestMetrics.ContainsKey("bad"));
        Assert.Equal("2e-05", read.Params["training.learning_rate"]);
        Assert.Equal(parent.RunId, read.ParentRunId);

        Assert.Equal(child.RunId, Assert.Single(store.FindRuns(experimentId, new Dictionary<string, string> { [MlflowTags.ParentRunId] = parent.RunId })).RunId);
        Assert.Equal(child.RunId, Assert.Single(store.FindRuns(experimentId, new Dictionary<string, string> { ["rerank.trial"] = "it's 1" })).RunId);
        server.PageSize = 1;
        Assert.Equal(2, store.FindRuns(experimentId, NoTags).Count);
        var history = store.GetMetricHistory(child.RunId, "train/loss");
        Assert.Equal([(0.9, 10L, 1L), (0.4, 20L, 2L)], history.Select(p => (p.Value, p.TimestampMs, p.Step)));

        using var dir = new TemporaryDirectory();
        File.WriteAllText(dir.File("report.md"), "# report");
        Directory.CreateDirectory(dir.File("model"));
        File.WriteAllBytes(dir.File("model/model.safetensors"), [1, 2, 3]);
        store.LogArtifact(child.RunId, dir.File("report.md"), "eval");
        store.LogArtifact(child.RunId, dir.File("model"), "model");
        Assert.Equal("# report", Encoding.UTF8.GetString(server.Artifacts[$"{experimentId}/{child.RunId}/artifacts/eval/report.md"]));
        Assert.Equal([1, 2, 3], server.Artifacts[$"{experimentId}/{child.RunId}/artifacts/model/model.safetensors"]);
        Assert.Throws<ArgumentException>(() => store.LogArtifact(child.RunId, dir.File("report.md"), "../x"));

        // Every POST was JSON; nothing was refused.
        Assert.All(server.Requests.Where(r => r.Method == "POST"), r => Assert.Equal("application/json", r.ContentType));
    }

    [Theory]
    [InlineData(429, "0")]
    [InlineData(503, "0")]
    [InlineData(503, null)]
    [InlineData(502, null)]
    public void Retryable_failures_are_retried(int status, string? retryAfter)
    {
        using var server = new FakeMlflowServer();
        using var store = new RestTrackingStore(server.Uri, options: Fast);
        server.FailNext(2, status, retryAfter);
        var experimentId = store.GetOrCreateExperiment("e");
        Assert.Equal(3, Calls(server, "experiments/get-by-name").Count);
        Assert.Equal(1, server.ExperimentCount("e"));
        Assert.NotEmpty(experimentId);
    }

    [Fact]
    public void Retry_after_is_honoured()
    {
        using var server = new FakeMlflowServer();
        using var store = new RestTrackingStore(server.Uri, options: Fast);
        server.FailNext(1, 429, "1");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        store.GetOrCreateExperiment("e");
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(900), $"waited only {watch.Elapsed}");
    }

    [Fact]
    public void Persistent_failures_end_in_a_transient_tracking_exception()
    {
        using var server = new FakeMlflowServer();
        using var store = new RestTrackingStore(server.Uri, options: Fast);
        server.FailNext(100, 503);
        var error = Assert.Throws<TrackingException>(() => store.GetOrCreateExperiment("e"));
        Assert.True(error.IsTransient);
        Assert.Equal(503, error.HttpStatus);
        Assert.Equal(1 + Fast.MaxRetries, server.Requests.Count);

        server.FailNext(0, 503);
        server.Down = true;
        var down = Assert.Throws<TrackingException>(() => store.GetOrCreateExperiment("e"));
        Assert.True(down.IsTransient);
        Assert.Equal("UNREACHABLE", down.ErrorCode);
    }

    [Fact]
    public void Log_batch_is_chunked_to_the_server_limits()
    {
        using var server = new FakeMlflowServer();
        using var store = new RestTrackingStore(server.Uri, options: Fast);
        var run = store.CreateRun(store.GetOrCreateExperiment("e"), "r", NoTags, 1);
        var metrics = Enumerable.Range(0, 2500).Select(i => new MetricPoint("loss", i, 1_000 + i, i)).ToList();
        var parameters = Enumerable.Range(0, 250).ToDictionary(i => $"p{i}", i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var tags = Enumerable.Range(0, 120).ToDictionary(i => $"t{i}", i => "v");
        store.LogBatch(run.RunId, metrics, parameters, tags);

        var batches = Calls(server, "runs/log-batch");
        Assert.All(batches, b =>
        {
            Assert.InRange(b.Metrics, 0, 1000);
            Assert.InRange(b.Params, 0, 100);
            Assert.InRange(b.Tags, 0, 100);
            Assert.InRange(b.Metrics + b.Params + b.Tags, 1, 1000);
        });
        Assert.Equal(2500, batches.Sum(b => b.Metrics));
        Assert.Equal(250, batches.Sum(b => b.Params));
        Assert.Equal(120, batches.Sum(b => b.Tags));
        // 2870 items, 1000 and 100 params a request at most: 3 requests are the fewest possible.
        Assert.Equal(3, batches.Count);
        var held = server.Snapshot(run.RunId);
        Assert.Equal(2500, held.Metrics.Count);
        Assert.Equal(250, held.Params.Count);
        Assert.Equal(metrics.Select(m => m.Step), held.Metrics.Select(m => m.Step));
    }

    [Fact]
    public void Large_values_are_split_below_one_megabyte()
    {
        using var server = new FakeMlflowServer();
        using var store = new RestTrackingStore(server.Uri, options: Fast);
        var run = store.CreateRun(store.GetOrCreateExperiment("e"), "r", NoTags, 1);
        var parameters = Enumerable.Range(0, 100).ToDictionary(i => $"p{i}", i => new string('é', 6000));
        var tags = Enumerable.Range(0, 100).ToDictionary(i => $"t{i}", i => new string('x', 9000));
        store.LogBatch(run.RunId, [], parameters, tags);
        var batches = Calls(server, "runs/log-batch");
        Assert.True(batches.Count >= 2);
        Assert.All(batches, b => Assert.True(b.BodyBytes < 1_000_000, $"{b.BodyBytes} bytes"));
        var held = server.Snapshot(run.RunId);
        Assert.Equal(100, held.Params.Count);
        Assert.Equal(TrackingKeys.MaxTagValueLength, held.Tags["t0"].Length);
    }

    [Fact]
    public void Server_errors_carry_code_endpoint_and_message()
    {
        using var server = new FakeMlflowServer();
        using var store = new RestTrackingStore(server.Uri, options: Fast);
        var run = store.CreateRun(store.GetOrCreateExperiment("e"), "r", NoTags, 1);
        store.LogBatch(run.RunId, [], new Dictionary<string, string> { ["lr"] = "1" }, NoTags);
        store.LogBatch(run.RunId, [], new Dictionary<string, string> { ["lr"] = "1" }, NoTags);
        var error = Assert.Throws<TrackingException>(() => store.LogBatch(run.RunId, [], new Dictionary<string, string> { ["lr"] = "2" }, NoTags));
        Assert.Equal("INVALID_PARAMETER_VALUE", error.ErrorCode);
        Assert.Equal("runs/log-batch", error.Endpoint);
        Assert.Equal(400, error.HttpStatus);
        Assert.False(error.IsTransient);
        Assert.Contains("Changing param values", error.Message);
        var missing = Assert.Throws<TrackingException>(() => store.GetRun("0123456789abcdef0123456789abcdef"));
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", missing.ErrorCode);
    }

    [Fact]
    public async Task Parallel_creators_of_one_experiment_agree()
    {
        using var server = new FakeMlflowServer();
        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            using var store = new RestTrackingStore(server.Uri, options: Fast);
            return store.GetOrCreateExperiment("shared");
        })));
        Assert.Single(ids.Distinct());
        Assert.Equal(1, server.ExperimentCount("shared"));
    }

    [Theory]
    [InlineData("u", "p", "t", "Basic dTpw")]
    [InlineData(null, null, "t0k", "Bearer t0k")]
    [InlineData("u", null, "t0k", "Bearer t0k")]
    [InlineData(null, null, null, null)]
    public void Credentials_from_the_environment_become_the_authorization_header(string? user, string? password, string? token, string? expected)
    {
        using var server = new FakeMlflowServer();
        var environment = new Dictionary<string, string?>
        {
            ["MLFLOW_TRACKING_USERNAME"] = user, ["MLFLOW_TRACKING_PASSWORD"] = password, ["MLFLOW_TRACKING_TOKEN"] = token,
        };
        var credentials = MlflowCredentials.FromEnvironment(k => environment.GetValueOrDefault(k));
        using var store = new RestTrackingStore(server.Uri, credentials, Fast);
        store.GetOrCreateExperiment("e");
        Assert.All(server.Requests, r => Assert.Equal(expected, r.Authorization));
        Assert.DoesNotContain("t0k", credentials.ToString());
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void Secrets_stay_out_of_location_and_errors()
    {
        using var server = new FakeMlflowServer();
        server.RequiredAuthorization = "Bearer right";
        using var store = new RestTrackingStore($"http://user:hunter2@127.0.0.1:{server.Port}/", new MlflowCredentials(token: "wrong-secret"), Fast);
        Assert.DoesNotContain("hunter2", store.Location);
        Assert.DoesNotContain("user", store.Location);
        var error = Assert.Throws<TrackingException>(() => store.GetOrCreateExperiment("e"));
        Assert.Equal("UNAUTHENTICATED", error.ErrorCode);
        Assert.DoesNotContain("wrong-secret", error.ToString());
        Assert.DoesNotContain("hunter2", error.ToString());
    }
}
