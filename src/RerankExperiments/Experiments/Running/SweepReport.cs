using System.Globalization;
using System.Text;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Reporting;
using RerankExperiments.Tracking;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// The sweep report logged on the parent run: a Markdown file (the summary table, the swept settings, the best trial)
/// and PNG plots (<see cref="LineChart"/>) — the ranking metric against each swept setting (log x for settings spanning
/// decades, categories for names) and each trial's training-loss curve — read from the tracking store, so trials run
/// elsewhere count too.
/// </summary>
public static class SweepReport
{
    /// <summary>The report's file name, in the sweep folder and among the parent run's artifacts.</summary>
    public const string FileName = "sweep_report.md";

    /// <summary>The report; <paramref name="plotNames"/> are the files <see cref="Plots"/> made, linked under plots/.</summary>
    public static string Markdown(ExperimentPlan plan, IReadOnlyList<TrialOutcome> outcomes, string? bestMetric, int? bestTrial, string trackingLocation,
        IReadOnlyList<string> plotNames)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Sweep report: {plan.Spec.Name}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Experiment file: `{plan.SourceFile}`; tracking: {trackingLocation}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Method: {plan.Sweep?.Method.ToString().ToLowerInvariant() ?? "none"}, {plan.Trials.Count} trial(s); ranked by `{bestMetric ?? "(no metric)"}` ({(plan.Sweep?.Maximize ?? true ? "higher" : "lower")} is better)");
        if (bestTrial is { } best) text.AppendLine(CultureInfo.InvariantCulture, $"- Best: trial {best} — {plan.Trials[best].Name}");
        text.AppendLine();
        text.AppendLine("| | trial | " + string.Join(" | ", (plan.Sweep?.Parameters ?? []).Select(p => $"`{p.Path}`")) + " | status | " + (bestMetric ?? "") + " | run |");
        text.AppendLine("|---|---|" + string.Concat((plan.Sweep?.Parameters ?? []).Select(_ => "---|")) + "---|---|---|");
        foreach (var o in outcomes)
        {
            string value = bestMetric is not null && SweepSummary.Metric(o, bestMetric) is { } v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "—";
            string swept = string.Concat((plan.Sweep?.Parameters ?? []).Select(p => (o.Trial.Assignments.FirstOrDefault(a => a.Path == p.Path)?.Text ?? "") + " | "));
            string status = o.Skipped ? "finished (skipped)" : o.Status.ToString().ToUpperInvariant();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {(o.Trial.Index == bestTrial ? "**best**" : "")} | {o.Trial.Index} | {swept}{status} | {value} | {o.RunId ?? ""} |");
        }
        text.AppendLine();
        foreach (var name in plotNames) text.AppendLine(CultureInfo.InvariantCulture, $"![{name}](plots/{name})");
        return text.ToString();
    }

    /// <summary>(file name, PNG bytes) for each plot.</summary>
    public static IReadOnlyList<(string Name, byte[] Png)> Plots(ExperimentPlan plan, IReadOnlyList<TrialOutcome> outcomes, string? bestMetric, ITrackingStore store)
    {
        var plots = new List<(string, byte[])>();
        if (bestMetric is not null)
            foreach (var parameter in plan.Sweep?.Parameters ?? [])
            {
                var points = outcomes.Select(o => (Value: o.Trial.Assignments.FirstOrDefault(a => a.Path == parameter.Path)?.Text, Metric: SweepSummary.Metric(o, bestMetric)))
                    .Where(x => x.Value is not null && x.Metric is not null).ToList();
                bool numeric = points.All(p => ConfigSection.TryParseNumber(p.Value!, out _));
                LineChart chart;
                if (numeric)
                {
                    var xy = points.Select(p => (X: double.Parse(p.Value!, CultureInfo.InvariantCulture), Y: p.Metric!.Value)).ToList();
                    bool log = xy.Count > 1 && xy.All(p => p.X > 0) && xy.Max(p => p.X) / xy.Min(p => p.X) >= 20;
                    chart = new LineChart($"{bestMetric} vs {parameter.Path}", parameter.Path, bestMetric) { LogX = log }.Add(bestMetric, xy, lines: false);
                }
                else
                {
                    var categories = points.Select(p => p.Value!).Distinct().ToList();
                    chart = new LineChart($"{bestMetric} vs {parameter.Path}", parameter.Path, bestMetric) { Categories = categories }
                        .Add(bestMetric, points.Select(p => ((double)categories.IndexOf(p.Value!), p.Metric!.Value)).ToList(), lines: false);
                }
                plots.Add(($"{Safe(bestMetric)}_vs_{Safe(parameter.Path)}.png", chart.RenderPng()));
            }
        var loss = new LineChart("training loss", "step", "loss");
        foreach (var o in outcomes.Where(o => o.RunId is not null))
        {
            var history = store.GetMetricHistory(o.RunId!, "loss");
            if (history.Count > 0) loss.Add($"t{o.Trial.Index}", history.Select(p => ((double)p.Step, p.Value)).ToList(), lines: true);
        }
        plots.Add(("loss_curves.png", loss.RenderPng()));
        return plots;
    }

    static string Safe(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
}
