using RerankExperiments.Cli.Progress;
using RerankExperiments.Training;
using Spectre.Console;

namespace RerankExperiments.Tests.Cli;

/// <summary>The terminal progress bar draws steps and the latest loss, and its display thread ends on OnTrainEnd or on Dispose alone.</summary>
public sealed class TerminalProgressBarTests
{
    static (TerminalProgressBar Bar, StringWriter Text) Bar()
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(text),
        });
        return (new TerminalProgressBar(console), text);
    }

    [Fact]
    public async Task Shows_steps_and_loss_and_finishes()
    {
        var (bar, text) = Bar();
        bar.OnTrainBegin(0, 3);
        for (int step = 1; step <= 3; step++)
        {
            bar.OnLog(step, new Dictionary<string, double> { ["loss"] = 1.0 / step });
            bar.OnStepEnd(step, 3);
        }
        bar.OnEvaluate(3, new Dictionary<string, double> { ["eval_ndcg@10"] = 0.75 });
        bar.OnStepEnd(3, 3);
        var end = Task.Run(() => bar.OnTrainEnd(new TrainingResult(3, 0, new Dictionary<string, double>(), null, null, null, null, null, false, false, [])));
        Assert.Same(end, await Task.WhenAny(end, Task.Delay(TimeSpan.FromSeconds(30))));
        Assert.Contains("step 3/3", text.ToString());
        Assert.Contains("eval_ndcg@10 0.75", text.ToString());
    }

    [Fact]
    public async Task Dispose_without_train_end_stops_the_display()
    {
        var (bar, _) = Bar();
        bar.OnTrainBegin(5, 10);
        var disposed = Task.Run(bar.Dispose);
        Assert.Same(disposed, await Task.WhenAny(disposed, Task.Delay(TimeSpan.FromSeconds(30))));
    }
}
