using System.Globalization;
using RerankExperiments.Cli.Commands;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Tests.Experiments;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Scaling;

/// <summary>
/// Eight real `rerank run --trial N` processes started at once on one empty FileStore — as job array tasks on a shared
/// filesystem would — all create the same experiment and the sweep's parent, and log: one
/// experiment, one parent, eight FINISHED children with every param and metric, no staging leftovers.
/// </summary>
public sealed class ConcurrentTrackingTests : IDisposable
{
    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    static readonly string[] Rates = ["1.0e-4", "2.0e-4", "3.0e-4", "4.0e-4", "5.0e-4", "6.0e-4", "7.0e-4", "8.0e-4"];

    [Fact]
    public async Task Eight_processes_creating_one_experiment_and_logging_at_once_lose_nothing()
    {
        string store = Path.Combine(_fixture.Root, "runs");
        string file = _fixture.Write(_fixture.ValidYaml(
            $"tracking:\n  uri: {store}\n  experiment: race\nsweep:\n  parameters:\n    training.learning_rate: [{string.Join(", ", Rates)}]"));
        var processes = Enumerable.Range(0, Rates.Length)
            .Select(i => CliProcess.Start(_fixture.Root, "run", file, "--trial", i.ToString(CultureInfo.InvariantCulture), "--base-dir", _fixture.Root)).ToList();
        try
        {
            foreach (var (process, index) in processes.Select((p, i) => (p, i)))
            {
                int exit = await process.ExitCode(TimeSpan.FromMinutes(5));
                Assert.True(exit == 0, $"trial {index} exited with {exit}:\n{process.Output}");
            }
        }
        finally
        {
            foreach (var process in processes) process.Dispose();
        }

        var tracking = new FileTrackingStore(store);
        var experiment = Assert.Single(tracking.ListExperiments(), e => e.Name == "race");
        Assert.Equal(2, tracking.ListExperiments().Count); // race and MLflow's Default
        var runs = tracking.FindRuns(experiment.ExperimentId, new Dictionary<string, string>());
        var parent = Assert.Single(runs, r => r.Tags.GetValueOrDefault(RunTags.Kind) == "sweep");
        Assert.Equal("8", parent.Params["sweep.trials"]);
        var children = runs.Where(r => r.Tags.GetValueOrDefault(RunTags.Kind) == "trial").OrderBy(r => int.Parse(r.Tags[RunTags.TrialIndex], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(8, children.Count);
        var plan = ExperimentLoader.Load(file, null, _ => null);
        foreach (var (child, index) in children.Select((c, i) => (c, i)))
        {
            Assert.Equal(index.ToString(CultureInfo.InvariantCulture), child.Tags[RunTags.TrialIndex]);
            Assert.Equal(parent.RunId, child.ParentRunId);
            Assert.Equal(RunStatus.Finished, child.Status);
            Assert.Equal(plan.Trials[index].ConfigHash, child.Tags[RunTags.ConfigHash]);
            Assert.Equal(Rates[index], child.Params["training.learning_rate"]);
            Assert.Equal(["2", "listwise-ce", ExperimentFixture.Model], new[] { "training.max_steps", "loss.name", "model.name_or_path" }.Select(k => child.Params[k]));
            Assert.Equal([1L, 2L], tracking.GetMetricHistory(child.RunId, "loss").Select(p => p.Step));
            Assert.Contains("eval_ndcg_at_10", child.LatestMetrics.Keys);
            Assert.True(File.Exists(Path.Combine(tracking.ArtifactDirectory(child.RunId), "run.log.jsonl")));
        }
        // Nothing half-made is left: no staging folders, no temporary files outside the hidden .tmp folders.
        Assert.Empty(Directory.GetDirectories(store, ".tmp-*", SearchOption.AllDirectories));
        Assert.DoesNotContain(Directory.GetFiles(store, "*.tmp-*", SearchOption.AllDirectories), f => !f.Contains("/.tmp/", StringComparison.Ordinal));

        // The report sees all eight.
        var errors = new StringWriter();
        Assert.True(SweepReportCommand.Run(file, [], _fixture.Root, null, _ => null, TextWriter.Null, errors) == 0, errors.ToString());
        Assert.Equal(RunStatus.Finished, tracking.GetRun(parent.RunId).Status);
    }
}
