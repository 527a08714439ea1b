using RerankExperiments.Evaluation;
using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using RerankExperiments.Reporting;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tests.Training;
using RerankExperiments.Training;

namespace RerankExperiments.Tests.Reporting;

/// <summary>
/// The per-step history of a real (tiny) training run, cancelled half way and resumed: the trainer's log history gives
/// every evaluation and loss at its step, the steps before the checkpoint included; the eval-metric chart draws from it.
/// </summary>
public sealed class TrainingHistoryTests
{
    /// <summary>Returns the next scripted value at each evaluation, under a key MLflow spells differently ('@').</summary>
    sealed class ScriptedNdcg(params double[] values) : IEvaluator
    {
        int _calls;
        public string Name => "dev";
        public string PrimaryMetric => "dev_ndcg@10";
        public IReadOnlyDictionary<string, double> Evaluate(Reranker reranker) => new Dictionary<string, double>
        {
            [PrimaryMetric] = values[_calls++],
            ["dev_base_ndcg@10"] = 0.25,
        };
    }

    sealed class CancelAt(long step, CancellationTokenSource source) : ITrainingCallback
    {
        public void OnStepEnd(long current, long totalSteps)
        {
            if (current == step) source.Cancel();
        }
    }

    static TrainingOptions Options(string directory) => new()
    {
        OutputDir = directory, MaxSteps = 12, BatchSize = 4, GroupSize = 3, LearningRate = 1e-3, LoggingSteps = 2, EvalSteps = 3, SaveSteps = 0, Seed = 5,
    };

    [Fact]
    public void History_of_a_resumed_run_has_every_evaluation_at_its_step()
    {
        using var directory = new TemporaryDirectory();
        var train = TinyRerankTask.Examples(40, groupSize: 6, seed: 21);
        var loss = new ListwiseCrossEntropyLoss(3);

        // Evaluations at steps 3 and 6, cancelled after step 6 (a checkpoint there), resumed for 9 and 12.
        using (var first = TinyRerankTask.Model(seed: 1))
        using (var cancellation = new CancellationTokenSource())
        {
            var half = new CrossEncoderTrainer().Train(first, train, loss, [new ScriptedNdcg(0.1, 0.2)], Options(directory.Path),
                new CancelAt(6, cancellation), cancellationToken: cancellation.Token);
            Assert.True(half.Cancelled);
        }
        using var second = TinyRerankTask.Model(seed: 1);
        var result = new CrossEncoderTrainer().Train(second, train, loss, [new ScriptedNdcg(0.3, 0.4)], Options(directory.Path),
            resumeFrom: "latest");
        Assert.Equal(12, result.GlobalSteps);
        Assert.Equal("dev_ndcg@10", result.BestMetricName);

        var history = TrainingHistory.FromLog(result.LogHistory);
        Assert.Equal([(3L, 0.1), (6L, 0.2), (9L, 0.3), (12L, 0.4)], history.Metric("dev_ndcg@10"));
        Assert.Equal([2L, 4L, 6L, 8L, 10L, 12L], history.Losses.Select(l => l.Step));
        Assert.All(history.Losses, l => Assert.True(double.IsFinite(l.Loss) && l.Loss > 0));
        // transformers' spelling of the same metric finds it too.
        Assert.Equal(history.Metric("dev_ndcg@10"), history.Metric("eval_dev_ndcg@10"));
        Assert.Equal([3L, 6L, 9L, 12L], history.Evaluations.Select(e => e.Step));
        Assert.Equal(0.25, history.Evaluations[0].Metrics["dev_base_ndcg@10"]);
    }

    [Fact]
    public void Eval_metric_chart_draws_the_history_with_reference_lines()
    {
        var history = new TrainingHistory(
            [(50L, new Dictionary<string, double> { ["dev_ndcg@10"] = 0.41, ["dev_base_ndcg@10"] = 0.33 }),
             (100L, new Dictionary<string, double> { ["dev_ndcg@10"] = 0.47, ["dev_base_ndcg@10"] = 0.33 })],
            [(50L, 1.2), (100L, 0.9)]);
        string metric = "dev_ndcg@10";
        Assert.Equal("dev_base_ndcg@10", MetricKeys.FirstStage(metric)!);
        Assert.Equal("nano_R100_base_mrr@10", MetricKeys.FirstStage("nano_R100_mrr@10"));
        double bm25 = history.Metric(MetricKeys.FirstStage(metric)!)[^1].Value;

        using var directory = new TemporaryDirectory();
        string path = directory.File("eval_metric.png");
        var chart = TrainingCurves.EvalMetric(history, metric, [("baseline model", 0.38), ("BM25", bm25)]);
        chart.SavePng(path);
        PngFile.AssertValid(File.ReadAllBytes(path), chart.Width, chart.Height);
        Assert.NotEqual(File.ReadAllBytes(path), TrainingCurves.EvalMetric(history, metric).RenderPng());
    }
}
