using System.CommandLine;
using System.Globalization;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Scaling;
using RerankExperiments.Tracking;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank sweep status EXPERIMENT`: one line per trial — its swept values, the MLflow status of its deciding run, the
/// Slurm state of its latest array task when the sweep was submitted from here and Slurm still knows the task, the
/// ranking metric, the run id and how many runs the trial has. Exit 0 when every trial FINISHED, 1 otherwise.
/// </summary>
public static class SweepStatusCommand
{
    public static Command Create()
    {
        var file = SweepCommand.Experiment();
        var overrides = ExperimentArguments.Overrides();
        var baseDirectory = ExperimentArguments.BaseDirectory();
        var command = new Command("status", "One line per trial: values, MLflow status, Slurm state, metric; exit 0 when all finished.") { file, overrides, baseDirectory };
        command.SetAction(result => Run(result.GetValue(file)!, result.GetValue(overrides)!, result.GetValue(baseDirectory),
            Environment.GetEnvironmentVariable, new SlurmCommands(), Console.Out, Console.Error));
        return command;
    }

    public static int Run(string file, IReadOnlyList<string> overrides, string? baseDirectory, Func<string, string?> environment, ISlurmScheduler slurm,
        TextWriter output, TextWriter errors)
    {
        if (SweepCommand.Load(file, overrides, baseDirectory, environment, errors) is not { } plan) return 2;
        using var log = ExperimentArguments.ConsoleLog();
        if (SweepCommand.OpenStore(plan, baseDirectory, environment, log, errors) is not { } store) return 2;
        using var disposable = store as IDisposable;
        try
        {
            var trials = TrialRunState.Read(store, store.GetOrCreateExperiment(plan.Spec.Tracking.Experiment), plan);
            output.WriteLine(Table(plan, trials, SlurmStates(plan, slurm)));
            int finished = trials.Count(t => t.Finished);
            output.WriteLine($"{finished} of {trials.Count} trials FINISHED");
            return finished == trials.Count ? 0 : 1;
        }
        catch (TrackingException error)
        {
            errors.WriteLine($"error: tracking: {error.Message}");
            return 1;
        }
    }

    /// <summary>Each submitted trial's latest array task state, as Slurm knows it (trials it has forgotten are absent).</summary>
    public static IReadOnlyDictionary<int, string> SlurmStates(ExperimentPlan plan, ISlurmScheduler slurm)
    {
        var tasks = SweepSubmission.LatestTasks(SweepSubmission.Read(SweepFolders.Sweep(plan)));
        if (tasks.Count == 0) return new Dictionary<int, string>();
        var states = slurm.States(tasks.Values.ToList());
        return tasks.Where(t => states.ContainsKey(t.Value)).ToDictionary(t => t.Key, t => states[t.Value]);
    }

    /// <summary>The status table: trial, swept values, MLflow status, Slurm state, ranking metric, run, runs.</summary>
    public static string Table(ExperimentPlan plan, IReadOnlyList<TrialRunState> trials, IReadOnlyDictionary<int, string> slurmStates)
    {
        string? metric = SweepSummary.RankingMetric(plan);
        var header = new List<string> { "trial", "params", "mlflow", "slurm", metric ?? "metric", "run", "runs" };
        var rows = new List<IReadOnlyList<string>> { header };
        foreach (var state in trials)
        {
            rows.Add(
            [
                state.Trial.Index.ToString(CultureInfo.InvariantCulture),
                string.Join(' ', state.Trial.Assignments.Select(a => $"{a.Path}={a.Text}")),
                state.Run?.Status.ToString().ToUpperInvariant() ?? "NO RUN",
                slurmStates.GetValueOrDefault(state.Trial.Index) ?? "—",
                metric is not null && state.Run is { } run && SweepSummary.Metric(state.ToOutcome(), metric) is { } value
                    ? value.ToString("0.0000", CultureInfo.InvariantCulture) : "—",
                state.Run?.RunId ?? "—",
                state.Runs.ToString(CultureInfo.InvariantCulture),
            ]);
        }
        return TextTable.Render(rows);
    }
}
