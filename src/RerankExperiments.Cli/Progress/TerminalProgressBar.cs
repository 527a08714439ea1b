using System.Globalization;
using RerankExperiments.Training;
using Spectre.Console;

namespace RerankExperiments.Cli.Progress;

/// <summary>
/// Training progress as a Spectre.Console bar (steps, percentage, remaining time, the latest loss and eval metric)
/// for an interactive terminal; CI logs and pipes get the plain lines of <see cref="ConsoleProgressCallback"/> instead.
/// Spectre's live display runs a blocking callback, so it lives on its own thread from OnTrainBegin until
/// OnTrainEnd or Dispose (the runner disposes it also when training throws, so the thread never outlives the run).
/// </summary>
public sealed class TerminalProgressBar(IAnsiConsole console) : ITrainingCallback, IDisposable
{
    readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    Task? _display;
    ProgressTask? _task;
    string _loss = "";
    string _eval = "";

    /// <summary>Whether a live bar can be drawn: stderr is a terminal that understands ANSI and no CI variable is set.</summary>
    public static bool Supported(Func<string, string?> environment) =>
        !Console.IsErrorRedirected && environment("CI") is null && AnsiConsole.Profile.Capabilities.Ansi;

    public static TerminalProgressBar ForStandardError() =>
        new(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }));

    public void OnTrainBegin(long startStep, long totalSteps)
    {
        using var ready = new ManualResetEventSlim();
        _display = Task.Run(() => console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                _task = context.AddTask(Describe(startStep, totalSteps), maxValue: Math.Max(1, totalSteps));
                _task.Value = startStep;
                ready.Set();
                _finished.Task.Wait();
                _task.Value = _task.MaxValue;
            }));
        ready.Wait();
    }

    public void OnStepEnd(long step, long totalSteps)
    {
        if (_task is null) return;
        _task.Value = step;
        _task.Description = Describe(step, totalSteps);
    }

    public void OnLog(long step, IReadOnlyDictionary<string, double> metrics)
    {
        if (metrics.TryGetValue("loss", out double loss)) _loss = $"loss {loss.ToString("0.####", CultureInfo.InvariantCulture)}";
    }

    public void OnEvaluate(long step, IReadOnlyDictionary<string, double> metrics)
    {
        var primary = metrics.FirstOrDefault(m => m.Key.Contains("ndcg", StringComparison.Ordinal));
        if (primary.Key is not null) _eval = $"{primary.Key} {primary.Value.ToString("0.####", CultureInfo.InvariantCulture)}";
    }

    public void OnTrainEnd(TrainingResult result) => Dispose();

    public void Dispose()
    {
        _finished.TrySetResult();
        _display?.Wait();
        _display = null;
    }

    string Describe(long step, long total) =>
        Markup.Escape($"step {step.ToString(CultureInfo.InvariantCulture)}/{total.ToString(CultureInfo.InvariantCulture)}  {_loss}  {_eval}".TrimEnd());
}
