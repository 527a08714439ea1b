using RerankExperiments.Training;

namespace RerankExperiments.Reporting;

/// <summary>
/// A training callback that records the run as a <see cref="TrainingHistory"/> while it trains: each evaluation's
/// metrics and each logged loss by step. On a resumed run the steps before the checkpoint are not seen live; they are
/// filled in at <see cref="OnTrainEnd"/> from the result's log history (restored from trainer_state.json), so after
/// training the history is the whole run. If training throws, <see cref="History"/> still holds what was seen (then
/// without the steps before a resumed checkpoint; <see cref="TrainingHistory.FromStore"/> has those).
/// </summary>
public sealed class TrainingHistoryRecorder : ITrainingCallback
{
    readonly List<(long Step, IReadOnlyDictionary<string, double> Metrics)> _evaluations = [];
    readonly List<(long Step, double Loss)> _losses = [];
    long _startStep;

    /// <summary>What has been recorded so far, a snapshot.</summary>
    public TrainingHistory History => new(_evaluations, _losses);

    public void OnTrainBegin(long startStep, long totalSteps) => _startStep = startStep;

    public void OnLog(long step, IReadOnlyDictionary<string, double> metrics)
    {
        if (metrics.TryGetValue("loss", out double loss)) _losses.Add((step, loss));
    }

    public void OnEvaluate(long step, IReadOnlyDictionary<string, double> metrics) =>
        _evaluations.Add((step, new Dictionary<string, double>(metrics, StringComparer.Ordinal)));

    public void OnTrainEnd(TrainingResult result)
    {
        if (_startStep == 0) return;
        var before = TrainingHistory.FromLog(result.LogHistory.Where(e => e.Step <= _startStep));
        _evaluations.InsertRange(0, before.Evaluations);
        _losses.InsertRange(0, before.Losses);
    }
}
