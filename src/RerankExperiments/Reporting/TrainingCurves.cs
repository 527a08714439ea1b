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
}
