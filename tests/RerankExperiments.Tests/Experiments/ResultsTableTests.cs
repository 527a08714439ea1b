using RerankExperiments.Evaluation;
using RerankExperiments.Experiments.Running;

namespace RerankExperiments.Tests.Experiments;

public sealed class ResultsTableTests
{
    [Theory]
    [InlineData("eval_ndcg@10", "eval_base_ndcg@10")]
    [InlineData("nano_R100_mrr@10", "nano_R100_base_mrr@10")]
    [InlineData("eval_map", "eval_base_map")]
    [InlineData("eval_base_map", null)]
    [InlineData("eval_accuracy", null)]
    [InlineData("map", null)]
    public void First_stage_keys_exist_for_ranking_measures_only(string key, string? expected) => Assert.Equal(expected, MetricKeys.FirstStage(key));

    [Fact]
    public void One_row_per_ranking_metric_with_a_column_per_measured_model()
    {
        var metrics = new Dictionary<string, double>
        {
            ["deb_R30_mrr@10"] = 0.25, ["deb_R30_base_mrr@10"] = 0.5, ["baseline/deb_R30_mrr@10"] = 0.125, ["merged/deb_R30_mrr@10"] = 0.375,
            // A resumed trial's metrics come back from MLflow spelled with _at_.
            ["deb_R30_ndcg_at_10"] = 0.3, ["deb_R30_base_ndcg_at_10"] = 0.6,
            ["loss"] = 1.2, ["global_steps"] = 100,
        };
        string[] lines = ResultsTable.Render(metrics, "BM25")!.TrimEnd().Split(Environment.NewLine);
        Assert.Equal(3, lines.Length);
        Assert.Equal(["metric", "BM25", "starting", "model", "fine-tuned", "merged"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["deb_R30_mrr@10", "0.5000", "0.1250", "0.2500", "0.3750"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["deb_R30_ndcg@10", "0.6000", "—", "0.3000", "—"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Null(ResultsTable.Render(new Dictionary<string, double> { ["loss"] = 1 }, "BM25"));
    }
}
