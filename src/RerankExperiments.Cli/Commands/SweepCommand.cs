using System.CommandLine;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Tracking;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank sweep submit|status|matrix|report`: a sweep's trials as Slurm job array tasks or CI matrix jobs, each a
/// `rerank run --trial N` child of one parent run, followed and reported from the tracking store.
/// </summary>
public static class SweepCommand
{
    public static Command Create() => new("sweep", "Run a sweep's trials as a Slurm job array or CI matrix jobs; follow them; build the report.")
    {
        SweepSubmitCommand.Create(),
        SweepStatusCommand.Create(),
        SweepMatrixCommand.Create(),
        SweepReportCommand.Create(),
    };

    /// <summary>The experiment argument of every sweep command.</summary>
    public static Argument<string> Experiment() => new("experiment") { Description = "Experiment YAML file with a sweep section." };

    /// <summary>Loads the sweep (relative paths from <paramref name="baseDirectory"/>); null after writing the problems to <paramref name="errors"/>.</summary>
    public static ExperimentPlan? Load(string file, IReadOnlyList<string> overrides, string? baseDirectory, Func<string, string?> environment, TextWriter errors)
    {
        try
        {
            var plan = ExperimentLoader.Load(file, overrides, environment, baseDirectory);
            if (plan.Sweep is null)
                throw new ExperimentConfigException([new ConfigError(null, "sweep", $"{file} has no sweep section: the sweep commands work on a sweep's trials (rerank run runs a single experiment).")]);
            return plan;
        }
        catch (ExperimentConfigException error)
        {
            ExperimentArguments.ReportConfigErrors(error, errors);
            return null;
        }
    }

    /// <summary>The sweep's tracking store, or null after writing why it cannot be opened.</summary>
    public static ITrackingStore? OpenStore(ExperimentPlan plan, string? baseDirectory, Func<string, string?> environment, Serilog.ILogger log, TextWriter errors)
    {
        try
        {
            return TrackingStores.Open(plan.Spec.Tracking.Uri, environment, baseDirectory, logger: log);
        }
        catch (ArgumentException error)
        {
            errors.WriteLine($"error: tracking.uri: {error.Message}");
            return null;
        }
    }
}
