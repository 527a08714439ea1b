using RerankExperiments.Evaluation;

namespace RerankExperiments.Reporting;

/// <summary>
/// Charts of one training run from its <see cref="TrainingHistory"/>: the evaluation metric over the steps, against
/// the values it has to beat (the model before training, the candidates' own order).
/// </summary>
public static class TrainingCurves
{
    /// <summary>
    /// <paramref name="metric"/> (a project key such as <c>eval_ndcg@10</c>, typically the trainer's
    /// <see cref="Training.TrainingResult.BestMetricName"/>) at every evaluation, as a line with markers, and each
    /// reference as a named dashed line. Write it with <see cref="LineChart.SavePng"/>.
    /// </summary>
    public static LineChart EvalMetric(TrainingHistory history, string metric, IReadOnlyList<(string Name, double Value)>? references = null)
    {
        var chart = new LineChart($"{metric} during training", "step", metric)
            .Add(metric, [.. history.Metric(metric).Select(p => ((double)p.Step, p.Value))], lines: true);
        foreach (var (name, value) in references ?? []) chart.AddReferenceLine(name, value);
        return chart;
    }

    /// <summary>
    /// The key under which a reranking evaluator (<see cref="RerankingEvaluator"/>, <see cref="BeirEvaluator"/>) rates
    /// the candidates' given order — the first stage's ranking, BM25's for BEIR — for the same measure as
    /// <paramref name="metric"/>: <c>eval_ndcg@10</c> → <c>eval_base_ndcg@10</c>,
    /// <c>nano_R100_mrr@10</c> → <c>nano_R100_base_mrr@10</c>. Those metrics exist only when the samples carry a
    /// retriever's ranking; their value is the same at every evaluation.
    /// </summary>
    public static string BaseOrderKey(string metric) => metric.Insert(metric.LastIndexOf('_') + 1, "base_");
}
