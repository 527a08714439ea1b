using RerankExperiments.Experiments.Running;
using RerankExperiments.Tests.Experiments;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tests.Tracking;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// An MLflow server that dies mid-training (connection dropped and port closed, or 5xx): the run finishes, what
/// follows is buffered locally, the user is told once how to sync, and after the server is back `mlflow-sync`
/// leaves it holding every param, metric point and artifact of an uninterrupted run, nothing twice (issue 11).
/// </summary>
[Trait("Category", "Faults")]
public sealed class TrackingOutageFaultTests : IDisposable
{
    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    string Yaml(string serverUri, string outputs) => _fixture.ValidYaml($"tracking:\n  uri: {serverUri}\n  experiment: outage")
        .Replace("max_steps: 2", "max_steps: 6").Replace("save_steps: 0", "save_steps: 2\n  eval_steps: 2")
        .Replace(Path.Combine(_fixture.Root, "outputs"), Path.Combine(_fixture.Root, outputs));

    static TrackedRunSnapshot Trial(FakeMlflowServer server) =>
        Assert.Single(server.RunsOf("outage"), r => r.Tags.GetValueOrDefault(RunTags.Kind) == "trial");

    static IReadOnlyList<string> ArtifactNames(FakeMlflowServer server, TrackedRunSnapshot run) =>
        server.Artifacts.Keys.Where(k => k.StartsWith($"{run.ExperimentId}/{run.RunId}/artifacts/", StringComparison.Ordinal))
            .Select(k => k[$"{run.ExperimentId}/{run.RunId}/artifacts/".Length..]).Order(StringComparer.Ordinal).ToList();

    /// <summary>Each metric key with the steps it was logged at, in order: what must match an uninterrupted run.</summary>
    static Dictionary<string, List<long>> MetricSteps(TrackedRunSnapshot run) =>
        run.Metrics.GroupBy(m => m.Key).ToDictionary(g => g.Key, g => g.Select(m => m.Step).Order().ToList());

    static Dictionary<string, string> ComparableParams(TrackedRunSnapshot run) =>
        run.Params.Where(p => p.Key is not ("tracking.uri" or "output.dir")).ToDictionary(p => p.Key, p => p.Value);

    [Theory]
    [InlineData(null)]
    [InlineData(503)]
    public void A_server_dying_mid_training_loses_nothing_after_sync(int? failure)
    {
        using var reference = new FakeMlflowServer();
        var straight = InProcessExperiment.Run(_fixture.Write(Yaml(reference.Uri, "outputs-a"), "a.yml"), _ => null, _fixture.Root);
        Assert.Equal(RunStatus.Finished, Assert.Single(straight.Outcome.Trials).Status);
        var expected = Trial(reference);
        int requests = reference.Requests.Count;

        using var server = new FakeMlflowServer();
        server.FailAfter(requests / 2, failure);
        using var buffer = new TemporaryDirectory();
        var outage = InProcessExperiment.Run(_fixture.Write(Yaml(server.Uri, "outputs-b"), "b.yml"), _ => null, buffer.Path);

        Assert.Equal(RunStatus.Finished, Assert.Single(outage.Outcome.Trials).Status);
        var hint = Assert.Single(outage.Log.Split('\n'), l => l.Contains("rerank mlflow-sync --from", StringComparison.Ordinal));
        Assert.Contains(server.Uri, hint);
        var buffered = new FileTrackingStore(Path.Combine(buffer.Path, TrackingStores.DefaultOfflineStore));
        Assert.NotEmpty(buffered.ListExperiments().SelectMany(e => buffered.ListRunIds(e.ExperimentId)));
        var before = Trial(server);
        Assert.True(before.Metrics.Count < expected.Metrics.Count, "the outage should have started during training");
        Assert.Equal("RUNNING", before.Status);

        server.Recover();
        using var target = new RestTrackingStore(server.Uri, options: RestTrackingStoreTests.Fast);
        var report = new MlflowSync(buffered, target).Run();
        Assert.True(report.MetricPoints > 0);

        var synced = Trial(server);
        Assert.Equal(before.RunId, synced.RunId);
        Assert.Equal("FINISHED", synced.Status);
        Assert.Equal(ComparableParams(expected), ComparableParams(synced));
        var want = MetricSteps(expected);
        var got = MetricSteps(synced);
        Assert.True(want.Count == got.Count && want.All(w => got.TryGetValue(w.Key, out var g) && g.SequenceEqual(w.Value)),
            "metric steps differ: " + string.Join("; ", want.Where(w => !got.TryGetValue(w.Key, out var g) || !g.SequenceEqual(w.Value))
                .Select(w => $"{w.Key}: [{string.Join(",", w.Value)}] vs [{string.Join(",", got.GetValueOrDefault(w.Key) ?? [])}]")));
        Assert.Equal(expected.Metrics.Count, synced.Metrics.Count);
        Assert.Equal(ArtifactNames(reference, expected), ArtifactNames(server, synced));
        foreach (var (key, value) in expected.Tags.Where(t => t.Key is RunTags.Kind or RunTags.TrialIndex))
            Assert.Equal(value, synced.Tags[key]);

        // A second sync sends nothing: nothing is duplicated.
        var again = new MlflowSync(buffered, target).Run();
        Assert.Equal(0, again.MetricPoints);
        Assert.Equal(0, again.RunsCreated);
        Assert.Equal(expected.Metrics.Count, Trial(server).Metrics.Count);
    }
}
