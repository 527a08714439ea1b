using System.Diagnostics;
using System.Globalization;

namespace RerankExperiments.Training;

/// <summary>
/// A plain-text progress reporter: one line per log, evaluation and save, with the step, percentage and an ETA.
/// Plain lines (no terminal control codes) so redirected output and CI logs stay readable; the trainer itself
/// writes nothing, so tests and library users stay quiet unless they add this.
/// </summary>
public sealed class ConsoleProgressCallback(TextWriter? writer = null) : ITrainingCallback
{
    readonly TextWriter _writer = writer ?? Console.Out;
    readonly Stopwatch _clock = new();
    long _startStep;
    long _totalSteps;

    public void OnTrainBegin(long startStep, long totalSteps)
    {
        _startStep = startStep;
        _totalSteps = totalSteps;
        _clock.Restart();
        _writer.WriteLine(startStep > 0 ? $"Resuming at step {startStep} of {totalSteps}" : $"Training {totalSteps} steps");
    }

    public void OnLog(long step, IReadOnlyDictionary<string, double> metrics) =>
        _writer.WriteLine($"{Progress(step)}  {Format(metrics)}");

    public void OnEvaluate(long step, IReadOnlyDictionary<string, double> metrics) =>
        _writer.WriteLine($"{Progress(step)}  eval  {Format(metrics)}");

    public void OnOutOfMemoryBackoff(long step, int splits, int examplesPerForward) =>
        _writer.WriteLine($"{Progress(step)}  out of memory: micro-batches split in {splits} ({examplesPerForward} example(s) per forward pass, same effective batch)");

    public void OnSave(long step, string checkpointPath) => _writer.WriteLine($"{Progress(step)}  saved {checkpointPath}");

    public void OnTrainEnd(TrainingResult result)
    {
        string how = result.Cancelled ? "cancelled" : result.EarlyStopped ? "stopped early" : "done";
        _writer.WriteLine($"Training {how} at step {result.GlobalSteps} ({result.SkippedSteps} skipped)" +
            (result.BestMetric is { } best ? $"; best {result.BestMetricName} = {best:G5} at step {result.BestStep}" : ""));
    }

    string Progress(long step)
    {
        double done = _totalSteps == 0 ? 1 : (double)step / _totalSteps;
        long stepsThisRun = step - _startStep;
        string eta = stepsThisRun > 0 ? $" eta {TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / stepsThisRun * (_totalSteps - step)):hh\\:mm\\:ss}" : "";
        return $"[{step}/{_totalSteps} {done,4:P0}{eta}]";
    }

    static string Format(IReadOnlyDictionary<string, double> metrics) =>
        string.Join("  ", metrics.Select(m => $"{m.Key}={m.Value.ToString("G4", CultureInfo.InvariantCulture)}"));
}
