namespace RerankExperiments.Training;

/// <summary>How a training run ended.</summary>
/// <param name="GlobalSteps">Optimizer steps done, counting those of the run resumed from.</param>
/// <param name="SkippedSteps">Steps skipped for non-finite gradients (fp16 overflow, or a diverging run).</param>
/// <param name="FinalMetrics">The last evaluation's metrics (empty without evaluators).</param>
/// <param name="BestMetricName">The metric that picked the best model, null without evaluators.</param>
/// <param name="BestMetric">Its best value.</param>
/// <param name="BestStep">The step of the best evaluation.</param>
/// <param name="BestCheckpoint">The best checkpoint's folder, null when none was kept.</param>
/// <param name="LastCheckpoint">The newest checkpoint's folder (what "latest" resumes from).</param>
/// <param name="Cancelled">The run stopped on cancellation after saving a checkpoint.</param>
/// <param name="EarlyStopped">The run stopped after early_stopping_patience evaluations without improvement.</param>
/// <param name="LogHistory">Training logs and evaluations of the whole run (resumed runs included).</param>
public sealed record TrainingResult(
    long GlobalSteps,
    long SkippedSteps,
    IReadOnlyDictionary<string, double> FinalMetrics,
    string? BestMetricName,
    double? BestMetric,
    long? BestStep,
    string? BestCheckpoint,
    string? LastCheckpoint,
    bool Cancelled,
    bool EarlyStopped,
    IReadOnlyList<TrainingLogEntry> LogHistory);
