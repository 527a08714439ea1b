using RerankExperiments.Tracking;
using RerankExperiments.Training;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// Sends a training run's logs and evaluations to a tracking store as per-step metrics. Points are buffered and
/// flushed every <see cref="FlushEvery"/> points, after each evaluation and at the end, so a slow server never stalls
/// a step for long; a resumed run backfills the history of the steps before it started (from the trainer's
/// log history), so the run's curves are whole.
/// </summary>
public sealed class TrackingCallback(ITrackingStore store, string runId, TimeProvider? clock = null) : ITrainingCallback
{
    const int FlushEvery = 50;
    readonly TimeProvider _clock = clock ?? TimeProvider.System;
    readonly List<MetricPoint> _pending = [];
    long _startStep;

    public void OnTrainBegin(long startStep, long totalSteps) => _startStep = startStep;

    public void OnLog(long step, IReadOnlyDictionary<string, double> metrics)
    {
        Add(step, metrics);
        if (_pending.Count >= FlushEvery) Flush();
    }

    public void OnEvaluate(long step, IReadOnlyDictionary<string, double> metrics)
    {
        Add(step, metrics);
        Flush();
    }

    public void OnTrainEnd(TrainingResult result)
    {
        if (_startStep > 0)
            foreach (var entry in result.LogHistory.Where(e => e.Step <= _startStep)) Add(entry.Step, entry.Values);
        Flush();
    }

    void Add(long step, IReadOnlyDictionary<string, double> metrics)
    {
        long now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (key, value) in metrics)
            if (double.IsFinite(value)) _pending.Add(new MetricPoint(MetricNames.ForTracking(key), value, now, step));
    }

    void Flush()
    {
        if (_pending.Count == 0) return;
        store.LogBatch(runId, [.. _pending], new Dictionary<string, string>(), new Dictionary<string, string>());
        _pending.Clear();
    }
}
