using System.CommandLine;
using System.Globalization;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Cli.Progress;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Hub;
using RerankExperiments.Tracking;
using Serilog;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank run [FILE] [--set k=v]… [--trial N] [--no-resume]`: validates the experiment, then runs every trial (or one),
/// tracking in MLflow (a local store under runs/ by default, or tracking.uri / MLFLOW_TRACKING_URI), and prints a
/// summary table. Exit codes: 0 all trials finished, 1 a trial failed, 2 a configuration error or an unwritable output folder (nothing ran),
/// 130 interrupted (Ctrl-C or SIGTERM: the step is finished, a checkpoint saved, the run marked KILLED; run again to resume).
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("experiment") { Description = "Experiment YAML file.", DefaultValueFactory = _ => ExperimentArguments.DefaultExperiment };
        var overrides = ExperimentArguments.Overrides();
        var trial = new Option<int?>("--trial") { Description = "Run only this trial of the sweep (0-based; for job arrays and CI matrices)." };
        var noResume = new Option<bool>("--no-resume") { Description = "Run trials again even when a FINISHED run with the same config exists." };
        var parentRun = new Option<string?>("--parent-run") { Description = "The sweep's parent run id (as `rerank sweep submit` made it); default: found by the sweep's hash, or created." };
        var baseDirectory = ExperimentArguments.BaseDirectory();
        var cacheDirectory = new Option<string?>("--cache-dir") { Description = "The mining cache folder (default: runs/cache under --base-dir or the current folder)." };
        var command = new Command("run", "Run an experiment (all trials of its sweep, or one).") { file, overrides, trial, noResume, parentRun, baseDirectory, cacheDirectory };
        command.SetAction(result =>
        {
            using var interruption = new Interruption(Console.Error);
            return Run(result.GetValue(file)!, result.GetValue(overrides)!, result.GetValue(trial), !result.GetValue(noResume),
                Environment.GetEnvironmentVariable, Console.Out, Console.Error, interruption.Token, result.GetValue(parentRun), result.GetValue(baseDirectory),
                result.GetValue(cacheDirectory));
        });
        return command;
    }

    public static int Run(string file, IReadOnlyList<string> overrides, int? trial, bool resume, Func<string, string?> environment,
        TextWriter output, TextWriter errors, CancellationToken cancellationToken = default, string? parentRunId = null, string? baseDirectory = null,
        string? cacheDirectory = null)
    {
        ExperimentPlan plan;
        try
        {
            plan = ExperimentLoader.Load(file, overrides, environment, baseDirectory);
            if (trial is { } index && (index < 0 || index >= plan.Trials.Count))
                throw new ExperimentConfigException([new ConfigError(null, "--trial", $"is {index}; {file} has trials 0 to {plan.Trials.Count - 1}.")]);
        }
        catch (ExperimentConfigException error)
        {
            return ExperimentArguments.ReportConfigErrors(error, errors);
        }

        using var log = ExperimentArguments.ConsoleLog();
        ITrackingStore store;
        try
        {
            store = TrackingStores.Open(plan.Spec.Tracking.Uri, environment, baseDirectory, logger: log);
        }
        catch (ArgumentException error)
        {
            errors.WriteLine($"error: tracking.uri: {error.Message}");
            return 2;
        }
        try
        {
            // A live bar on an interactive terminal; plain periodic lines in CI and pipes.
            Func<Training.ITrainingCallback>? bar = TerminalProgressBar.Supported(environment) ? TerminalProgressBar.ForStandardError : null;
            var runner = new ExperimentRunner(store, log, errors, HubSettings.FromEnvironment(environment),
                ExperimentArguments.RunnerOptions(baseDirectory, $"rerank run {file}") with
                {
                    Trial = trial, Resume = resume, ParentRunId = parentRunId,
                    CacheDirectory = cacheDirectory ?? ExperimentArguments.RunnerOptions(baseDirectory, "").CacheDirectory,
                }, bar);
            var outcome = runner.Run(plan, cancellationToken);
            output.WriteLine();
            // One trial: the models side by side (first stage, starting, fine-tuned, merged); a sweep: one row per trial.
            if (plan.Trials.Count == 1 && outcome.Trials is [{ Status: RunStatus.Finished } single]
                && ResultsTable.Render(single.Metrics, plan.Spec.FirstStageName) is { } results)
                output.WriteLine(results);
            else
                output.WriteLine(SweepSummary.Table(plan, outcome.Trials, outcome.BestMetric, outcome.BestTrial));
            foreach (var failed in outcome.Trials.Where(t => t.Status == RunStatus.Failed))
                errors.WriteLine($"error: trial {failed.Trial.Index} ({failed.Trial.Name}) failed: {failed.Error}");
            WhereToLook(plan, outcome, store, output);
            return outcome.Interrupted || cancellationToken.IsCancellationRequested ? 130 : outcome.AnyFailed ? 1 : 0;
        }
        catch (ExperimentConfigException error)
        {
            return ExperimentArguments.ReportConfigErrors(error, errors);
        }
        catch (Training.Storage.OutputFolderException error)
        {
            errors.WriteLine($"error: {error.Message}");
            return 2;
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

    /// <summary>Where the results are: the runs and how to view them, the trial folders (models, plots), what to run next.</summary>
    static void WhereToLook(ExperimentPlan plan, ExperimentOutcome outcome, ITrackingStore store, TextWriter output)
    {
        output.WriteLine("Where to look next:");
        output.WriteLine(store is FileTrackingStore
            ? $"  runs        {store.Location} (MLflow experiment '{plan.Spec.Tracking.Experiment}'); view them with\n" +
              $"              MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri {store.Location}"
            : $"  runs        {store.Location} (MLflow experiment '{plan.Spec.Tracking.Experiment}')");
        foreach (var trial in outcome.Trials.Where(t => t.Status == RunStatus.Finished))
        {
            string folder = ExperimentRunner.TrialDirectory(trial.Trial);
            output.WriteLine($"  trial {trial.Trial.Index,-4} {folder}");
            foreach (var (name, what) in new[] { ("model", "the fine-tuned model (transformers and sentence-transformers load it)"), ("merged", "the LM-Cocktail merge"), ("plots", "metric charts (PNG)"), ("run.log.jsonl", "the full log") })
                if (Path.Exists(Path.Combine(folder, name))) output.WriteLine($"              {Path.Combine(folder, name)}: {what}");
        }
        output.WriteLine("  next        experiments/README.md: recipes for a GPU (-p:TorchDevice=cuda), sweeps, and how to write your own;");
        output.WriteLine("              run one with: dotnet build -t:RunExperiment -p:Experiment=experiments/<file>.yml");
    }
}
