using RerankExperiments.Evaluation;
using RerankExperiments.Training;

namespace RerankExperiments.Reporting;

/// <summary>
/// A training run step by step, for charts: every evaluation's metrics (step → metrics) and every logged training
/// loss (step → mean loss since the previous log), each in step order with one entry per step (a step seen twice —
/// a resumed run repeating the steps after its checkpoint — keeps the later value). Metric keys are the project's
/// (<c>eval_ndcg@10</c>), whichever source the history was read from.
/// </summary>
/// <remarks>
/// Built by <see cref="FromLog"/> from <see cref="TrainingResult.LogHistory"/> after training, which holds the whole
/// run, the steps before a resumed checkpoint included (trainer_state.json carries them).
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
            if (MetricKeys.TryFind(metrics, key, out double value)) points.Add((step, value));
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

}
