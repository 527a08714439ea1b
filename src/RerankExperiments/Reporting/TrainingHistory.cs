using RerankExperiments.Experiments.Running;
using RerankExperiments.Tracking;
using RerankExperiments.Training;

namespace RerankExperiments.Reporting;

/// <summary>
/// A training run step by step, for charts: every evaluation's metrics (step → metrics) and every logged training
/// loss (step → mean loss since the previous log), each in step order with one entry per step (a step seen twice —
/// a resumed run repeating the steps after its checkpoint — keeps the later value). Metric keys are the project's
/// (<c>eval_ndcg@10</c>), whichever source the history was read from.
/// </summary>
/// <remarks>
/// Three sources, one result: <see cref="FromLog"/> reads <see cref="TrainingResult.LogHistory"/> after training, which
/// holds the whole run, the steps before a resumed checkpoint included (trainer_state.json carries them);
/// <see cref="TrainingHistoryRecorder"/> is a callback that records while training runs (its history is whole after
/// <see cref="ITrainingCallback.OnTrainEnd"/>, and what it saw before a crash survives the crash); <see cref="FromStore"/> reads a
/// tracking run's metric history, so it also serves runs trained in another process or skipped as finished before.
/// </remarks>
public sealed class TrainingHistory
{
    public TrainingHistory(IEnumerable<(long Step, IReadOnlyDictionary<string, double> Metrics)> evaluations, IEnumerable<(long Step, double Loss)> losses)
    {
        var byStep = new SortedDictionary<long, IReadOnlyDictionary<string, double>>();
        foreach (var (step, metrics) in evaluations) byStep[step] = metrics;
        Evaluations = [.. byStep.Select(e => (e.Key, e.Value))];
        var lossByStep = new SortedDictionary<long, double>();
        foreach (var (step, loss) in losses) lossByStep[step] = loss;
        Losses = [.. lossByStep.Select(l => (l.Key, l.Value))];
    }

    /// <summary>Each evaluation's metrics by the step it ran after, in step order.</summary>
    public IReadOnlyList<(long Step, IReadOnlyDictionary<string, double> Metrics)> Evaluations { get; }

    /// <summary>Each logged training loss by its step, in step order.</summary>
    public IReadOnlyList<(long Step, double Loss)> Losses { get; }

    /// <summary>
    /// One evaluation metric over the steps (evaluations without it left out). As in the trainer's
    /// metric_for_best_model, <c>eval_x</c> also finds a metric logged as <c>x</c>.
    /// </summary>
    public IReadOnlyList<(long Step, double Value)> Metric(string key)
    {
        var points = new List<(long, double)>();
        foreach (var (step, metrics) in Evaluations)
            if (Find(metrics, key) is { } value) points.Add((step, value));
        return points;
    }

    /// <summary>From a trainer's log history (<see cref="TrainingResult.LogHistory"/>): its "eval" and "train" entries.</summary>
    public static TrainingHistory FromLog(IEnumerable<TrainingLogEntry> log)
    {
        var entries = log.ToList();
        return new TrainingHistory(
            entries.Where(e => e.Kind == "eval").Select(e => (e.Step, e.Values)),
            entries.Where(e => e.Kind == "train" && e.Values.ContainsKey("loss")).Select(e => (e.Step, e.Values["loss"])));
    }

    /// <summary>
    /// From a tracking run's per-step metrics, as <see cref="TrackingCallback"/> logged them: the given evaluation
    /// metrics (project keys, looked up under <see cref="MetricNames.ForTracking"/>) and "loss". The store holds a
    /// resumed run's whole history, so this also draws runs trained elsewhere or in several sittings.
    /// </summary>
    public static TrainingHistory FromStore(ITrackingStore store, string runId, IEnumerable<string> metricKeys)
    {
        var evaluations = new SortedDictionary<long, Dictionary<string, double>>();
        foreach (string key in metricKeys.Distinct())
        {
            var points = store.GetMetricHistory(runId, MetricNames.ForTracking(key));
            if (points.Count == 0 && key.StartsWith("eval_", StringComparison.Ordinal)) points = store.GetMetricHistory(runId, MetricNames.ForTracking(key[5..]));
            foreach (var point in points)
            {
                if (!evaluations.TryGetValue(point.Step, out var metrics)) evaluations[point.Step] = metrics = new Dictionary<string, double>(StringComparer.Ordinal);
                metrics[key] = point.Value;
            }
        }
        return new TrainingHistory(
            evaluations.Select(e => (e.Key, (IReadOnlyDictionary<string, double>)e.Value)),
            store.GetMetricHistory(runId, "loss").Select(p => (p.Step, p.Value)));
    }

    static double? Find(IReadOnlyDictionary<string, double> metrics, string key) =>
        metrics.TryGetValue(key, out double value) ? value
        : key.StartsWith("eval_", StringComparison.Ordinal) && metrics.TryGetValue(key[5..], out value) ? value
        : null;
}
