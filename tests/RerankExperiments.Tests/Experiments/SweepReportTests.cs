using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Experiments;

/// <summary>The sweep report's plots are PNG charts — one per swept setting and the trials' loss curves — linked from the Markdown.</summary>
public sealed class SweepReportTests : IDisposable
{
    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Plots_are_pngs_per_swept_setting_and_of_the_loss_curves()
    {
        var plan = ExperimentLoader.Load(_fixture.Write(_fixture.ValidYaml(
            "sweep:\n  parameters:\n    training.learning_rate: [1.0e-6, 1.0e-4]\n    loss.name: [listwise-ce, bce]")), null, _ => null);
        var store = new InMemoryTrackingStore();
        string experiment = store.GetOrCreateExperiment("report");
        var outcomes = plan.Trials.Select(trial =>
        {
            string runId = store.CreateRun(experiment, trial.Name, new Dictionary<string, string>(), 0).RunId;
            store.LogBatch(runId, [new MetricPoint("loss", 1.0, 0, 1), new MetricPoint("loss", 0.5 + 0.1 * trial.Index, 0, 2)],
                new Dictionary<string, string>(), new Dictionary<string, string>());
            return new TrialOutcome(trial, runId, RunStatus.Finished, false, new Dictionary<string, double> { ["eval_ndcg@10"] = 0.3 + 0.05 * trial.Index }, null, null);
        }).ToList();

        var plots = SweepReport.Plots(plan, outcomes, "eval_ndcg_at_10", store);

        Assert.Equal(["eval_ndcg_at_10_vs_training_learning_rate.png", "eval_ndcg_at_10_vs_loss_name.png", "loss_curves.png"], plots.Select(p => p.Name));
        Assert.All(plots, p => PngFile.AssertValid(p.Png, 800, 500));
        string markdown = SweepReport.Markdown(plan, outcomes, "eval_ndcg_at_10", 3, "memory", plots.Select(p => p.Name).ToList());
        Assert.All(plots, p => Assert.Contains($"![{p.Name}](plots/{p.Name})", markdown));
    }
}
