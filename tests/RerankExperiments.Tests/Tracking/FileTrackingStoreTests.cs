using RerankExperiments.Tests.Support;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Tracking;

public sealed class FileTrackingStoreTests
{
    static readonly Dictionary<string, string> NoTags = new();

    static Dictionary<string, string?> Meta(string path) => MetaYaml.Read(File.ReadAllText(path));

    [Fact]
    public void Layout_follows_mlflow_filestore()
    {
        using var dir = new TemporaryDirectory();
        var store = new FileTrackingStore(dir.File("runs"), userId: "alice");
        var root = store.Root;

        var defaultMeta = Meta(Path.Combine(root, "0", "meta.yaml"));
        Assert.Equal("Default", defaultMeta["name"]);
        Assert.Equal("0", defaultMeta["experiment_id"]);
        Assert.Contains("experiment_id: '0'", File.ReadAllText(Path.Combine(root, "0", "meta.yaml")));

        var experimentId = store.GetOrCreateExperiment("rerank sweep");
        Assert.True(long.Parse(experimentId, System.Globalization.CultureInfo.InvariantCulture) > 100_000_000_000_000_000);
        var experimentYaml = File.ReadAllText(Path.Combine(root, experimentId, "meta.yaml"));
        var experiment = MetaYaml.Read(experimentYaml);
        Assert.Equal(new Uri(Path.Combine(root, experimentId)).AbsoluteUri, experiment["artifact_location"]);
        Assert.StartsWith("file:///", experiment["artifact_location"]);
        Assert.Equal(experimentId, experiment["experiment_id"]);
        Assert.Contains($"experiment_id: '{experimentId}'", experimentYaml);
        Assert.Equal("active", experiment["lifecycle_stage"]);
        Assert.Equal("rerank sweep", experiment["name"]);
        Assert.True(long.Parse(experiment["creation_time"]!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.NotNull(experiment["last_update_time"]);

        var run = store.CreateRun(experimentId, "trial-0", new Dictionary<string, string> { ["mlflow.user"] = "alice" }, 1_700_000_000_000);
        Assert.Matches("^[0-9a-f]{32}$", run.RunId);
        var runFolder = Path.Combine(root, experimentId, run.RunId);
        var runYaml = File.ReadAllText(Path.Combine(runFolder, "meta.yaml"));
        var info = MetaYaml.Read(runYaml);
        Assert.Equal(run.RunId, info["run_id"]);
        Assert.Equal(run.RunId, info["run_uuid"]);
        Assert.Equal("trial-0", info["run_name"]);
        Assert.Equal(experimentId, info["experiment_id"]);
        Assert.Equal("1", info["status"]);
        Assert.Null(info["end_time"]);
        Assert.Contains("end_time: null", runYaml);
        Assert.Contains("deleted_time: null", runYaml);
        Assert.Contains("tags: []", runYaml);
        Assert.Contains("source_type: 4", runYaml);
        Assert.Equal("1700000000000", info["start_time"]);
        Assert.Equal("alice", info["user_id"]);
        Assert.Equal("active", info["lifecycle_stage"]);
        Assert.Equal(new Uri(Path.Combine(runFolder, "artifacts")).AbsoluteUri, info["artifact_uri"]);
        Assert.Equal("", info["entry_point_name"]);
        Assert.Equal("trial-0", File.ReadAllText(Path.Combine(runFolder, "tags", "mlflow.runName")));

        store.LogBatch(run.RunId,
            [new("train/loss", 0.5, 1_700_000_000_100, 1), new("train/loss", 0.25, 1_700_000_000_200, 2), new("eval/ndcg@10".Replace("@", "_"), double.NaN, 1_700_000_000_300, 2),
             new("inf", double.PositiveInfinity, 5, 0), new("small", 1e-7, 6, 3)],
            new Dictionary<string, string> { ["training.learning_rate"] = "2e-05", ["model/name"] = "bert" },
            new Dictionary<string, string> { ["stage"] = "train", ["note/sub"] = "x" });
        Assert.Equal("1700000000100 0.5 1\n1700000000200 0.25 2\n", File.ReadAllText(Path.Combine(runFolder, "metrics", "train", "loss")));
        Assert.Equal("1700000000300 NaN 2\n", File.ReadAllText(Path.Combine(runFolder, "metrics", "eval", "ndcg_10")));
        Assert.Equal("5 Infinity 0\n", File.ReadAllText(Path.Combine(runFolder, "metrics", "inf")));
        Assert.Equal("6 1E-07 3\n", File.ReadAllText(Path.Combine(runFolder, "metrics", "small")));
        Assert.Equal("2e-05", File.ReadAllText(Path.Combine(runFolder, "params", "training.learning_rate")));
        Assert.Equal("bert", File.ReadAllText(Path.Combine(runFolder, "params", "model", "name")));
        Assert.Equal("x", File.ReadAllText(Path.Combine(runFolder, "tags", "note", "sub")));

        store.UpdateRun(run.RunId, RunStatus.Finished, 1_700_000_009_000);
        var finished = Meta(Path.Combine(runFolder, "meta.yaml"));
        Assert.Equal("3", finished["status"]);
        Assert.Equal("1700000009000", finished["end_time"]);

        var read = store.GetRun(run.RunId);
        Assert.Equal(RunStatus.Finished, read.Status);
        Assert.Equal(1_700_000_009_000, read.EndTimeMs);
        Assert.Equal(0.25, read.LatestMetrics["train/loss"]);
        Assert.True(double.IsNaN(read.LatestMetrics["eval/ndcg_10"]));
        Assert.Equal("bert", read.Params["model/name"]);
        Assert.Equal("x", read.Tags["note/sub"]);
        Assert.Equal([0.5, 0.25], store.GetMetricHistory(run.RunId, "train/loss").Select(p => p.Value));
        Assert.Equal([1L, 2L], store.GetMetricHistory(run.RunId, "train/loss").Select(p => p.Step));
        // No temporary files left where MLflow would take them for keys.
        Assert.Empty(Directory.EnumerateFiles(runFolder, "*.tmp-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Parent_and_child_runs_are_linked_and_found_by_tags()
    {
        using var dir = new TemporaryDirectory();
        var store = new FileTrackingStore(dir.Path);
        var experimentId = store.GetOrCreateExperiment("sweep");
        var parent = store.CreateRun(experimentId, "sweep", new Dictionary<string, string> { ["rerank.kind"] = "sweep" }, 1);
        var child = store.CreateRun(experimentId, "trial-1", new Dictionary<string, string> { [MlflowTags.ParentRunId] = parent.RunId, ["rerank.trial"] = "1" }, 2);
        Assert.Equal(parent.RunId, store.GetRun(child.RunId).ParentRunId);
        Assert.Equal(parent.RunId, File.ReadAllText(Path.Combine(store.Root, experimentId, child.RunId, "tags", "mlflow.parentRunId")));
        var children = store.FindRuns(experimentId, new Dictionary<string, string> { [MlflowTags.ParentRunId] = parent.RunId });
        Assert.Equal(child.RunId, Assert.Single(children).RunId);
        Assert.Equal(2, store.FindRuns(experimentId, NoTags).Count);
        Assert.Empty(store.FindRuns(experimentId, new Dictionary<string, string> { ["rerank.trial"] = "2" }));
    }

    [Fact]
    public void Params_are_immutable()
    {
        using var dir = new TemporaryDirectory();
        var store = new FileTrackingStore(dir.Path);
        var run = store.CreateRun(store.GetOrCreateExperiment("e"), "r", NoTags, 1);
        store.LogBatch(run.RunId, [], new Dictionary<string, string> { ["lr"] = "1e-5" }, NoTags);
        store.LogBatch(run.RunId, [], new Dictionary<string, string> { ["lr"] = "1e-5" }, NoTags);
        var error = Assert.Throws<TrackingException>(() =>
            store.LogBatch(run.RunId, [new("loss", 1, 1, 1)], new Dictionary<string, string> { ["lr"] = "2e-5" }, NoTags));
        Assert.Equal("INVALID_PARAMETER_VALUE", error.ErrorCode);
        Assert.Contains("'lr'", error.Message);
        Assert.Contains("1e-5", error.Message);
        Assert.Contains("2e-5", error.Message);
        // A refused batch writes nothing.
        Assert.Empty(store.GetMetricHistory(run.RunId, "loss"));
        Assert.Throws<TrackingException>(() => store.LogBatch(run.RunId, [new("bad(key)", 1, 1, 1)], NoTags, NoTags));
    }

    [Fact]
    public async Task Concurrent_creation_of_one_experiment_gives_one_experiment()
    {
        using var dir = new TemporaryDirectory();
        var root = dir.File("runs");
        using var start = new Barrier(8);
        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            // A store per task, as separate processes would have.
            var store = new FileTrackingStore(root);
            start.SignalAndWait();
            return store.GetOrCreateExperiment("shared");
        })));
        Assert.Single(ids.Distinct());
        var store = new FileTrackingStore(root);
        Assert.Single(store.ListExperiments(), e => e.Name == "shared");
        Assert.Single(store.ListExperiments(), e => e.Name == "Default");
        Assert.DoesNotContain(Directory.EnumerateDirectories(root), d => Path.GetFileName(d).StartsWith(".tmp", StringComparison.Ordinal));
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void Artifacts_are_copied_and_cannot_escape()
    {
        using var dir = new TemporaryDirectory();
        var store = new FileTrackingStore(dir.File("runs"));
        var run = store.CreateRun(store.GetOrCreateExperiment("e"), "r", NoTags, 1);
        File.WriteAllText(dir.File("config.yml"), "a: 1");
        Directory.CreateDirectory(dir.File("model/sub"));
        File.WriteAllText(dir.File("model/config.json"), "{}");
        File.WriteAllText(dir.File("model/sub/w.bin"), "w");

        store.LogArtifact(run.RunId, dir.File("config.yml"));
        store.LogArtifact(run.RunId, dir.File("model"), "model");
        store.LogArtifact(run.RunId, dir.File("config.yml"), "reports/final");
        var artifacts = store.ArtifactDirectory(run.RunId);
        Assert.Equal("a: 1", File.ReadAllText(Path.Combine(artifacts, "config.yml")));
        Assert.Equal("{}", File.ReadAllText(Path.Combine(artifacts, "model", "config.json")));
        Assert.Equal("w", File.ReadAllText(Path.Combine(artifacts, "model", "sub", "w.bin")));
        Assert.True(File.Exists(Path.Combine(artifacts, "reports", "final", "config.yml")));

        foreach (var bad in new[] { "../outside", "a/../../b", "/etc", "..", "a\\..\\b", "C:/x" })
            Assert.Throws<ArgumentException>(() => store.LogArtifact(run.RunId, dir.File("config.yml"), bad));
        Assert.False(File.Exists(dir.File("runs/outside/config.yml")));
        Assert.Throws<FileNotFoundException>(() => store.LogArtifact(run.RunId, dir.File("missing.txt")));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("with space")]
    [InlineData("it's")]
    [InlineData("123")]
    [InlineData("true")]
    [InlineData("")]
    [InlineData("line\nbreak")]
    [InlineData("file:///tmp/a b/runs")]
    [InlineData("ünïcode: yes")]
    public void Meta_yaml_strings_round_trip(string value)
    {
        var text = MetaYaml.Write(new Dictionary<string, object?> { ["name"] = value, ["n"] = 5L, ["z"] = null });
        var read = MetaYaml.Read(text);
        Assert.Equal(value, read["name"] ?? "");
        Assert.Equal("5", read["n"]);
        Assert.Null(read["z"]);
    }

    [Fact]
    public void Metric_files_written_by_mlflow_are_read()
    {
        Assert.Equal(new MetricPoint("k", 0.5, 10, 0), MetricLines.Parse("k", "10 0.5", "f"));
        Assert.True(double.IsNaN(MetricLines.Parse("k", "10 nan 3", "f")!.Value));
        Assert.Equal(double.NegativeInfinity, MetricLines.Parse("k", "10 -inf 3", "f")!.Value);
        Assert.Throws<FormatException>(() => MetricLines.Parse("k", "10 x 3", "f"));
    }
}
