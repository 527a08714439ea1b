using System.Text;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Tracking;

public sealed class FallbackTrackingStoreTests
{
    static readonly Dictionary<string, string> NoTags = new();

    static Dictionary<string, string> Tags(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Trait("Category", "Faults")]
    [Fact]
    public void Server_down_mid_run_loses_nothing_after_sync()
    {
        using var server = new FakeMlflowServer();
        using var dir = new TemporaryDirectory();
        var local = new FileTrackingStore(dir.File(".mlflow-offline"));
        using var store = new FallbackTrackingStore(new RestTrackingStore(server.Uri, options: RestTrackingStoreTests.Fast), local);

        // Online: the sweep's parent and a first trial.
        var experimentId = store.GetOrCreateExperiment("sweep");
        var parent = store.CreateRun(experimentId, "sweep", Tags(("rerank.kind", "sweep")), 1_000);
        var trial1 = store.CreateRun(experimentId, "trial-1", Tags((MlflowTags.ParentRunId, parent.RunId)), 2_000);
        store.LogBatch(trial1.RunId, [new("loss", 0.9, 2_001, 1)], Tags(("lr", "1e-5")), NoTags);

        // The server dies: the same run goes on locally, a new trial is born offline.
        server.Down = true;
        store.LogBatch(trial1.RunId, [new("loss", 0.5, 2_002, 2), new("loss", 0.3, 2_003, 3)], Tags(("batch", "16")), Tags(("phase", "late")));
        Assert.True(store.IsOffline);
        File.WriteAllText(dir.File("report.md"), "trial 1 report");
        store.LogArtifact(trial1.RunId, dir.File("report.md"), "eval");
        store.UpdateRun(trial1.RunId, RunStatus.Finished, 2_500);
        var trial2 = store.CreateRun(experimentId, "trial-2", Tags((MlflowTags.ParentRunId, parent.RunId)), 3_000);
        store.LogBatch(trial2.RunId, [new("loss", 0.8, 3_001, 1), new("loss", 0.7, 3_002, 2)], Tags(("lr", "2e-5")), NoTags);
        store.UpdateRun(trial2.RunId, RunStatus.Finished, 3_500);
        store.UpdateRun(parent.RunId, RunStatus.Finished, 4_000);
        Assert.Equal(2, store.GetMetricHistory(trial2.RunId, "loss").Count);
        Assert.Equal(trial2.RunId, Assert.Single(store.FindRuns(experimentId, Tags((MlflowTags.RunName, "trial-2")))).RunId);
        Assert.Equal(RunStatus.Finished, store.FindRuns(experimentId, Tags((MlflowTags.RunName, "trial-1"))).Single().Status);
        Assert.True(File.Exists(Path.Combine(local.RunFolder(trial1.RunId), OfflineOrigin.FileName)));

        // The server is back: one sync uploads everything, a second one nothing.
        server.Down = false;
        using var target = new RestTrackingStore(server.Uri, options: RestTrackingStoreTests.Fast);
        var first = new MlflowSync(local, target).Run();
        Assert.Equal(1, first.RunsCreated);

        var runs = server.RunsOf("sweep");
        Assert.Equal(3, runs.Count);
        var t1 = server.Snapshot(trial1.RunId);
        Assert.Equal([(0.9, 2_001L, 1L), (0.5, 2_002L, 2L), (0.3, 2_003L, 3L)], t1.Metrics.Select(m => (m.Value, m.TimestampMs, m.Step)));
        Assert.Equal("1e-5", t1.Params["lr"]);
        Assert.Equal("16", t1.Params["batch"]);
        Assert.Equal("late", t1.Tags["phase"]);
        Assert.Equal("FINISHED", t1.Status);
        Assert.Equal(2_500, t1.EndTime);
        Assert.Equal(parent.RunId, t1.Tags[MlflowTags.ParentRunId]);
        Assert.Equal("trial 1 report", Encoding.UTF8.GetString(server.Artifacts[$"{t1.ExperimentId}/{trial1.RunId}/artifacts/eval/report.md"]));

        var t2 = Assert.Single(runs, r => r.RunName == "trial-2");
        Assert.NotEqual(trial2.RunId, t2.RunId);
        Assert.Equal(parent.RunId, t2.Tags[MlflowTags.ParentRunId]);
        Assert.Equal(3_000, t2.StartTime);
        Assert.Equal(3_500, t2.EndTime);
        Assert.Equal("FINISHED", t2.Status);
        Assert.Equal("2e-5", t2.Params["lr"]);
        Assert.Equal([(0.8, 3_001L, 1L), (0.7, 3_002L, 2L)], t2.Metrics.Select(m => (m.Value, m.TimestampMs, m.Step)));

        var p = server.Snapshot(parent.RunId);
        Assert.Equal("FINISHED", p.Status);
        Assert.Equal(4_000, p.EndTime);

        int writes = server.Requests.Count(r => r.Method is "POST" or "PUT");
        var second = new MlflowSync(local, target).Run();
        Assert.True(second.NothingSent, second.ToString());
        Assert.Equal(writes, server.Requests.Count(r => r.Method is "POST" or "PUT"));
        Assert.Equal(3, server.RunsOf("sweep").Count);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void Offline_from_the_start_then_synced_with_parent_links_remapped()
    {
        using var server = new FakeMlflowServer();
        using var dir = new TemporaryDirectory();
        var local = new FileTrackingStore(dir.File("offline"));
        server.Down = true;
        using (var store = new FallbackTrackingStore(new RestTrackingStore(server.Uri, options: RestTrackingStoreTests.Fast), local))
        {
            var experimentId = store.GetOrCreateExperiment("exp");
            var parent = store.CreateRun(experimentId, "parent", NoTags, 10);
            var child = store.CreateRun(experimentId, "child", Tags((MlflowTags.ParentRunId, parent.RunId)), 20);
            store.LogBatch(child.RunId, Enumerable.Range(0, 1500).Select(i => new MetricPoint("loss", i / 10.0, 100 + i, i)).ToList(), NoTags, NoTags);
            store.UpdateRun(child.RunId, RunStatus.Failed, 30);
            Assert.Contains("offline", store.Location);
        }
        server.Down = false;
        using var target = new RestTrackingStore(server.Uri, options: RestTrackingStoreTests.Fast);
        var report = new MlflowSync(local, target).Run();
        Assert.Equal(2, report.RunsCreated);
        Assert.Equal(1500, report.MetricPoints);
        var runs = server.RunsOf("exp");
        var serverParent = Assert.Single(runs, r => r.RunName == "parent");
        var serverChild = Assert.Single(runs, r => r.RunName == "child");
        Assert.Equal(serverParent.RunId, serverChild.Tags[MlflowTags.ParentRunId]);
        Assert.Equal(1500, serverChild.Metrics.Count);
        Assert.Equal("FAILED", serverChild.Status);
        Assert.Equal("RUNNING", serverParent.Status);

        // More data logged locally after a sync is topped up by the next one, nothing else.
        var localChild = local.FindRuns(local.FindExperiment("exp")!.ExperimentId, Tags((MlflowTags.RunName, "child"))).Single();
        local.LogBatch(localChild.RunId, [new("loss", -1, 9_999, 9_999)], NoTags, NoTags);
        var again = new MlflowSync(local, target).Run();
        Assert.Equal(1, again.MetricPoints);
        Assert.Equal(1, again.RunsUpdated);
        Assert.Equal(1501, server.Snapshot(serverChild.RunId).Metrics.Count);
    }

    [Fact]
    public void Refusals_are_not_outages()
    {
        using var server = new FakeMlflowServer();
        using var dir = new TemporaryDirectory();
        using var store = new FallbackTrackingStore(new RestTrackingStore(server.Uri, options: RestTrackingStoreTests.Fast), new FileTrackingStore(dir.Path));
        var run = store.CreateRun(store.GetOrCreateExperiment("e"), "r", NoTags, 1);
        store.LogBatch(run.RunId, [], Tags(("lr", "1")), NoTags);
        Assert.Throws<TrackingException>(() => store.LogBatch(run.RunId, [], Tags(("lr", "2")), NoTags));
        Assert.Throws<ArgumentException>(() => store.LogArtifact(run.RunId, dir.Path, "../up"));
        Assert.False(store.IsOffline);
    }

    [Fact]
    public void Open_picks_the_store_from_the_uri_or_the_environment()
    {
        using var dir = new TemporaryDirectory();
        var none = new Dictionary<string, string?>();
        Assert.Equal(Path.Combine(dir.Path, "runs"), Assert.IsType<FileTrackingStore>(TrackingStores.Open(null, none.GetValueOrDefault, dir.Path)).Root);
        Assert.Equal(Path.Combine(dir.Path, "mine"), Assert.IsType<FileTrackingStore>(TrackingStores.Open("mine", none.GetValueOrDefault, dir.Path)).Root);
        var fileUri = new Uri(Path.Combine(dir.Path, "abs")).AbsoluteUri;
        Assert.Equal(Path.Combine(dir.Path, "abs"), Assert.IsType<FileTrackingStore>(TrackingStores.Open(fileUri, none.GetValueOrDefault, dir.Path)).Root);

        var env = new Dictionary<string, string?> { ["MLFLOW_TRACKING_URI"] = "http://127.0.0.1:1/", ["MLFLOW_TRACKING_TOKEN"] = "secret" };
        using var remote = Assert.IsType<FallbackTrackingStore>(TrackingStores.Open(null, env.GetValueOrDefault, dir.Path));
        Assert.Equal("http://127.0.0.1:1", remote.Location);
        Assert.Equal(Path.Combine(dir.Path, TrackingStores.DefaultOfflineStore), remote.LocalStore.Root);
        Assert.IsType<FileTrackingStore>(TrackingStores.Open("envwins-not", env.GetValueOrDefault, dir.Path));
        Assert.Throws<ArgumentException>(() => TrackingStores.Open("sqlite:///mlflow.db", none.GetValueOrDefault, dir.Path));
    }
}
