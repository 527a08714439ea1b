using System.CommandLine;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Hub;
using RerankExperiments.Tracking;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank sweep report EXPERIMENT [--parent-run ID]`: the sweep report of trials that ran as separate jobs (the
/// dependent Slurm job, a CI matrix's final job): every trial read from the tracking store, the report and plots
/// logged on the parent run, which ends FINISHED when all trials did. Exit 0 all finished, 1 not all, 2 configuration.
/// </summary>
public static class SweepReportCommand
{
    public static Command Create()
    {
        var file = SweepCommand.Experiment();
        var overrides = ExperimentArguments.Overrides();
        var baseDirectory = ExperimentArguments.BaseDirectory();
        var parentRun = new Option<string?>("--parent-run") { Description = "The sweep's parent run id; default: found by the sweep's hash." };
        var command = new Command("report", "Build the sweep report from the tracking store and finish the parent run.") { file, overrides, baseDirectory, parentRun };
        command.SetAction(result => Run(result.GetValue(file)!, result.GetValue(overrides)!, result.GetValue(baseDirectory), result.GetValue(parentRun),
            Environment.GetEnvironmentVariable, Console.Out, Console.Error));
        return command;
    }

    public static int Run(string file, IReadOnlyList<string> overrides, string? baseDirectory, string? parentRunId, Func<string, string?> environment,
        TextWriter output, TextWriter errors)
    {
        if (SweepCommand.Load(file, overrides, baseDirectory, environment, errors) is not { } plan) return 2;
        using var log = ExperimentArguments.ConsoleLog();
        if (SweepCommand.OpenStore(plan, baseDirectory, environment, log, errors) is not { } store) return 2;
        try
        {
            var runner = new ExperimentRunner(store, log, errors, HubSettings.FromEnvironment(environment),
                ExperimentArguments.RunnerOptions(baseDirectory, $"rerank sweep report {file}") with { ParentRunId = parentRunId });
            var outcome = runner.Report(plan);
            output.WriteLine(SweepSummary.Table(plan, outcome.Trials, outcome.BestMetric, outcome.BestTrial));
            output.WriteLine($"report: {Path.Combine(SweepParentRun.ReportDirectory(plan), SweepReport.FileName)} (an artifact of parent run {outcome.ParentRunId})");
            return outcome.Trials.All(t => t.Status == RunStatus.Finished) ? 0 : 1;
        }
        catch (ExperimentConfigException error)
        {
            return ExperimentArguments.ReportConfigErrors(error, errors);
        }
        catch (TrackingException error)
        {
            errors.WriteLine($"error: tracking: {error.Message}");
            return 1;
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }
}
