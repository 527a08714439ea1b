using RerankExperiments.Torch.Precision;

namespace RerankExperiments.Training;

/// <summary>Several callbacks as one, called in the given order.</summary>
public sealed class CompositeTrainingCallback(params IReadOnlyList<ITrainingCallback> callbacks) : ITrainingCallback
{
    public IReadOnlyList<ITrainingCallback> Callbacks { get; } = callbacks;

    public void OnTrainBegin(long startStep, long totalSteps) { foreach (var c in Callbacks) c.OnTrainBegin(startStep, totalSteps); }
    public void OnPreOptimizerStep(long step, MixedPrecisionOptimizer optimizer) { foreach (var c in Callbacks) c.OnPreOptimizerStep(step, optimizer); }
    public void OnStepEnd(long step, long totalSteps) { foreach (var c in Callbacks) c.OnStepEnd(step, totalSteps); }
    public void OnLog(long step, IReadOnlyDictionary<string, double> metrics) { foreach (var c in Callbacks) c.OnLog(step, metrics); }
    public void OnEvaluate(long step, IReadOnlyDictionary<string, double> metrics) { foreach (var c in Callbacks) c.OnEvaluate(step, metrics); }
    public void OnOutOfMemoryBackoff(long step, int splits, int examplesPerForward) { foreach (var c in Callbacks) c.OnOutOfMemoryBackoff(step, splits, examplesPerForward); }
    public void OnSave(long step, string checkpointPath) { foreach (var c in Callbacks) c.OnSave(step, checkpointPath); }
    public void OnTrainEnd(TrainingResult result) { foreach (var c in Callbacks) c.OnTrainEnd(result); }
}
