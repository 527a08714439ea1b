using System.Globalization;
using RerankExperiments.Evaluation;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// The end-of-run summary: which metric ranks the trials (sweep.metric, else training.metric_for_best_model, else the
/// first evaluator's primary metric — NDCG@k), the best trial by it, and a plain-text table (trial, swept values,
/// status, metrics; the best marked with *).
/// </summary>
public static class SweepSummary
{
    /// <summary>The ranking metric (as tracked: '@' spelled "_at_") and the best finished trial's index.</summary>
    public static (string? Metric, int? Trial) Best(ExperimentPlan plan, IReadOnlyList<TrialOutcome> outcomes)
    {
        string? metric = RankingMetric(plan);
        if (metric is null) return (null, null);
        bool maximize = plan.Sweep?.Maximize ?? plan.Spec.Training.IsGreaterBetter(metric);
        var scored = outcomes.Where(o => o.Status == Tracking.RunStatus.Finished)
            .Select(o => (o.Trial.Index, Value: Metric(o, metric)))
            .Where(x => x.Value is { } v && double.IsFinite(v)).ToList();
        if (scored.Count == 0) return (metric, null);
        var best = maximize ? scored.MaxBy(x => x.Value!.Value) : scored.MinBy(x => x.Value!.Value);
        return (metric, best.Index);
    }

    public static string? RankingMetric(ExperimentPlan plan)
    {
        string? metric = plan.Sweep?.Metric ?? plan.Spec.Training.MetricForBestModel;
        if (metric is null && plan.Spec.Eval.Count > 0) metric = plan.Spec.Eval[0].PrimaryMetric;
        return metric is null ? null : MetricNames.ForTracking(metric);
    }

    /// <summary>A trial's value of a tracked metric name (outcome keys may still be in the project's spelling).</summary>
    public static double? Metric(TrialOutcome outcome, string trackedName)
    {
        foreach (var (key, value) in outcome.Metrics)
            if (MetricNames.ForTracking(key) == trackedName) return value;
        return null;
    }

    /// <summary>The table: one row per trial, columns for swept settings and the shown metrics.</summary>
    public static string Table(ExperimentPlan plan, IReadOnlyList<TrialOutcome> outcomes, string? bestMetric, int? bestTrial)
    {
        var swept = plan.Sweep?.Parameters.Select(p => p.Path).ToList() ?? [];
        var metrics = new List<string>();
        if (bestMetric is not null) metrics.Add(bestMetric);
        string baseline = bestMetric is null ? "" : $"baseline/{bestMetric}";
        if (bestMetric is not null && outcomes.Any(o => Metric(o, baseline) is not null)) metrics.Add(baseline);
        var header = new List<string> { "", "trial" };
        header.AddRange(swept);
        header.Add("status");
        header.AddRange(metrics);
        var rows = new List<IReadOnlyList<string>> { header };
        foreach (var o in outcomes)
        {
            var row = new List<string> { o.Trial.Index == bestTrial ? "*" : "", o.Trial.Index.ToString(CultureInfo.InvariantCulture) };
            row.AddRange(swept.Select(path => o.Trial.Assignments.FirstOrDefault(a => a.Path == path)?.Text ?? ""));
            row.Add(o.Skipped ? "skipped (finished before)" : o.Status.ToString().ToUpperInvariant());
            row.AddRange(metrics.Select(m => Metric(o, m) is { } v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "—"));
            rows.Add(row);
        }
        return TextTable.Render(rows);
    }
}
