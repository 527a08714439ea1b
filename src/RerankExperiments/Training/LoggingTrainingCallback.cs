using Serilog;

namespace RerankExperiments.Training;

/// <summary>
/// Writes a training run to a Serilog logger as structured events (start, every log line, evaluations, saves,
/// end), so a run's history survives in its log file next to the checkpoints. The caller chooses the sinks.
/// </summary>
public sealed class LoggingTrainingCallback(ILogger logger) : ITrainingCallback
{
    public void OnTrainBegin(long startStep, long totalSteps)
    {
        if (startStep > 0) logger.Information("Resuming training at step {Step} of {TotalSteps}", startStep, totalSteps);
        else logger.Information("Training {TotalSteps} steps", totalSteps);
    }

    public void OnLog(long step, IReadOnlyDictionary<string, double> metrics) =>
        logger.Information("Step {Step}: {@Metrics}", step, metrics);

    public void OnEvaluate(long step, IReadOnlyDictionary<string, double> metrics) =>
        logger.Information("Evaluation at step {Step}: {@Metrics}", step, metrics);

    public void OnOutOfMemoryBackoff(long step, int splits, int examplesPerForward) =>
        logger.Warning("Out of memory in step {Step}: retrying with micro-batches split in {Splits} ({Examples} example(s) per forward pass, same effective batch)",
            step, splits, examplesPerForward);

    public void OnSave(long step, string checkpointPath) =>
        logger.Information("Checkpoint at step {Step}: {Path}", step, checkpointPath);

    public void OnTrainEnd(TrainingResult result) =>
        logger.Information("Training ended at step {Step} ({Skipped} skipped steps, cancelled {Cancelled}); best {Metric} = {Best}",
            result.GlobalSteps, result.SkippedSteps, result.Cancelled, result.BestMetricName, result.BestMetric);
}
