using System.CommandLine;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Scaling;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank sweep matrix EXPERIMENT [--pending]`: the trials as JSON for a CI matrix (one line on stdout, for
/// `$GITHUB_OUTPUT`); --pending lists only trials without a FINISHED run in the tracking store.
/// </summary>
public static class SweepMatrixCommand
{
    public static Command Create()
    {
        var file = SweepCommand.Experiment();
        var overrides = ExperimentArguments.Overrides();
        var baseDirectory = ExperimentArguments.BaseDirectory();
        var pending = new Option<bool>("--pending") { Description = "Only trials without a FINISHED run in the tracking store (re-run what failed)." };
        var command = new Command("matrix", "Print the sweep's trials as JSON for a CI matrix: {\"include\": [{\"trial\": 0, \"name\": …, \"params\": {…}}, …]}.")
            { file, overrides, baseDirectory, pending };
        command.SetAction(result => Run(result.GetValue(file)!, result.GetValue(overrides)!, result.GetValue(baseDirectory), result.GetValue(pending),
            Environment.GetEnvironmentVariable, Console.Out, Console.Error));
        return command;
    }

    public static int Run(string file, IReadOnlyList<string> overrides, string? baseDirectory, bool pending, Func<string, string?> environment,
        TextWriter output, TextWriter errors)
    {
        if (SweepCommand.Load(file, overrides, baseDirectory, environment, errors) is not { } plan) return 2;
        IEnumerable<int>? only = null;
        if (pending)
        {
            using var log = ExperimentArguments.ConsoleLog();
            if (SweepCommand.OpenStore(plan, baseDirectory, environment, log, errors) is not { } store) return 2;
            using var disposable = store as IDisposable;
            only = TrialRunState.Read(store, store.GetOrCreateExperiment(plan.Spec.Tracking.Experiment), plan).Where(t => !t.Finished).Select(t => t.Trial.Index).ToList();
        }
        output.WriteLine(SweepMatrix.Json(plan, only));
        return 0;
    }
}
