using System.CommandLine;
using System.Globalization;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Hub;
using RerankExperiments.Scaling;
using RerankExperiments.Tracking;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank sweep submit EXPERIMENT --backend slurm [--max-parallel N] [--partition P] [--gpus-per-trial G]
/// [--cpus-per-trial C] [--time T] [--sbatch-arg ARG]… [--resume] [--dry-run] [--cli DIR]`: creates (or finds) the
/// sweep's parent run, publishes the built CLI, writes the resolved experiment and two sbatch scripts into the sweep
/// folder (see <see cref="SweepFolders"/>), submits the trials as a job array and the report as a job that runs after
/// it (afterany), logs the scripts on the parent run and prints the job ids. --resume submits only trials without a
/// FINISHED run that are not queued or running; --dry-run prints the scripts and changes nothing.
/// </summary>
public static class SweepSubmitCommand
{
    /// <summary>The submit options besides the experiment: the backend's settings and what to submit.</summary>
    public sealed record Options(SlurmSettings Slurm, bool Resume = false, bool DryRun = false, string? CliDirectory = null, string Backend = "slurm");

    public static Command Create()
    {
        var file = SweepCommand.Experiment();
        var overrides = ExperimentArguments.Overrides();
        var baseDirectory = ExperimentArguments.BaseDirectory();
        var backend = new Option<string>("--backend") { Description = "Where the trials run (slurm).", DefaultValueFactory = _ => "slurm" };
        backend.AcceptOnlyFromAmong("slurm");
        var maxParallel = new Option<int?>("--max-parallel") { Description = "At most this many trials at once (the array's %N)." };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition." };
        var gpus = new Option<int?>("--gpus-per-trial") { Description = "GPUs per trial (--gres=gpu:G)." };
        var cpus = new Option<int?>("--cpus-per-trial") { Description = "CPUs per trial (--cpus-per-task)." };
        var time = new Option<string?>("--time") { Description = "Time limit per trial (sbatch --time, e.g. 02:00:00)." };
        var sbatchArguments = new Option<string[]>("--sbatch-arg") { Description = "An extra sbatch argument for both jobs, e.g. --sbatch-arg=--account=ml (repeatable).", DefaultValueFactory = _ => [] };
        var resume = new Option<bool>("--resume") { Description = "Submit only trials without a FINISHED run (failed, killed, missing) that are not queued or running." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the sbatch scripts; submit nothing, create nothing." };
        var cli = new Option<string?>("--cli") { Description = "A published rerank CLI folder for the jobs to run as it is (default: a copy of this one, under output.dir/rerank-cli)." };
        var command = new Command("submit", "Submit a sweep's trials as a Slurm job array, and its report as a job that runs after them.")
            { file, overrides, baseDirectory, backend, maxParallel, partition, gpus, cpus, time, sbatchArguments, resume, dryRun, cli };
        command.SetAction(result => Run(result.GetValue(file)!, result.GetValue(overrides)!, result.GetValue(baseDirectory),
            new Options(new SlurmSettings(result.GetValue(maxParallel), result.GetValue(partition), result.GetValue(gpus), result.GetValue(cpus), result.GetValue(time),
                result.GetValue(sbatchArguments)), result.GetValue(resume), result.GetValue(dryRun), result.GetValue(cli), result.GetValue(backend)!),
            Environment.GetEnvironmentVariable, new SlurmCommands(), Console.Out, Console.Error));
        return command;
    }

    public static int Run(string file, IReadOnlyList<string> overrides, string? baseDirectory, Options options, Func<string, string?> environment,
        ISlurmScheduler slurm, TextWriter output, TextWriter errors)
    {
        string root = Path.GetFullPath(baseDirectory ?? Directory.GetCurrentDirectory());
        if (SweepCommand.Load(file, overrides, root, environment, errors) is not { } plan) return 2;
        if (options.Slurm.MaxParallel is < 1 || options.Slurm.GpusPerTrial is < 0 || options.Slurm.CpusPerTrial is < 1)
        {
            errors.WriteLine("error: --max-parallel and --cpus-per-trial must be at least 1, --gpus-per-trial at least 0.");
            return 2;
        }
        string trackingUri = plan.Spec.Tracking.Uri;
        if (UriSecrets.Redact(trackingUri) != trackingUri)
        {
            errors.WriteLine("error: tracking.uri: has a user name or password in it; jobs would write it into their scripts. Set MLFLOW_TRACKING_USERNAME/_PASSWORD (or MLFLOW_TRACKING_TOKEN) instead: submit passes them to the jobs by name (sbatch --export).");
            return 2;
        }
        if (!trackingUri.Contains("://", StringComparison.Ordinal)) trackingUri = Path.GetFullPath(Path.Combine(root, trackingUri));

        string sweepDirectory = SweepFolders.Sweep(plan);
        using var log = ExperimentArguments.ConsoleLog();
        ITrackingStore? store = null;
        try
        {
            IReadOnlyList<int> trials = plan.Trials.Select(t => t.Index).ToList();
            string parentRunId = "PARENT_RUN_ID";
            if (!options.DryRun || options.Resume)
            {
                if ((store = SweepCommand.OpenStore(plan, root, environment, log, errors)) is null) return 2;
            }
            if (options.Resume)
            {
                var states = TrialRunState.Read(store!, store!.GetOrCreateExperiment(plan.Spec.Tracking.Experiment), plan);
                trials = ResumeSelection.Select(states, SweepStatusCommand.SlurmStates(plan, slurm));
                if (trials.Count == 0)
                {
                    output.WriteLine($"Nothing to resume: all {plan.Trials.Count} trials are FINISHED, queued or running (rerank sweep status {file}{SetArguments(overrides)}).");
                    return 0;
                }
            }
            string cliDirectory = options.CliDirectory is { } given ? Path.GetFullPath(given)
                : options.DryRun ? Path.Combine(SweepFolders.PublishedCli(plan), CliPublication.BuildId(AppContext.BaseDirectory))
                : CliPublication.Publish(AppContext.BaseDirectory, SweepFolders.PublishedCli(plan));
            if (options.CliDirectory is not null && !File.Exists(Path.Combine(cliDirectory, "rerank.dll")))
            {
                errors.WriteLine($"error: --cli: {cliDirectory} has no rerank.dll (give the output folder of `dotnet publish src/RerankExperiments.Cli`).");
                return 2;
            }
            if (!options.DryRun)
            {
                var runner = new ExperimentRunner(store!, log, errors, HubSettings.FromEnvironment(environment),
                    ExperimentArguments.RunnerOptions(root, $"rerank sweep submit {file}"));
                parentRunId = runner.OpenSweep(plan).ParentRunId;
            }

            string dotnet = JobEnvironment.CurrentDotnetHost();
            // The written experiment keeps the file's name: an experiment without `name:` is named after its file.
            var job = new SweepJob(plan.Spec.Name, Path.Combine(sweepDirectory, Path.GetFileName(file)), root, sweepDirectory, cliDirectory, dotnet,
                parentRunId, trials, JobEnvironment.ForScript(dotnet, trackingUri, environment));
            string trialsScript = SlurmScripts.Trials(job, options.Slurm), reportScript = SlurmScripts.Report(job, options.Slurm);
            if (options.DryRun)
            {
                output.WriteLine($"# {sweepDirectory}/trials-N.sbatch");
                output.Write(trialsScript);
                output.WriteLine($"# {sweepDirectory}/report-N.sbatch (sbatch --dependency=afterany:<array job>)");
                output.Write(reportScript);
                return 0;
            }

            Directory.CreateDirectory(job.LogDirectory);
            WriteExperiment(file, overrides, job.ExperimentFile);
            int number = SweepSubmission.Read(sweepDirectory).Count + 1;
            string trialsPath = Path.Combine(sweepDirectory, $"trials-{number.ToString(CultureInfo.InvariantCulture)}.sbatch");
            string reportPath = Path.Combine(sweepDirectory, $"report-{number.ToString(CultureInfo.InvariantCulture)}.sbatch");
            File.WriteAllText(trialsPath, trialsScript);
            File.WriteAllText(reportPath, reportScript);
            string export = JobEnvironment.ExportArgument(environment);
            string arrayJob = slurm.Submit(trialsPath, export);
            string reportJob = slurm.Submit(reportPath, export, afterAny: arrayJob);
            SweepSubmission.Append(sweepDirectory, new SweepSubmission(arrayJob, reportJob, trials, parentRunId, DateTimeOffset.UtcNow));
            foreach (var script in new[] { trialsPath, reportPath, job.ExperimentFile }) store!.LogArtifact(parentRunId, script, "slurm");

            output.WriteLine($"parent run: {parentRunId} ({store!.Location})");
            output.WriteLine($"array job: {arrayJob} (trials {SlurmArraySpec.Format(trials, null)} of {plan.Trials.Count}{(options.Slurm.MaxParallel is { } n ? $", at most {n} at once" : "")})");
            output.WriteLine($"report job: {reportJob} (after the array ends: rerank sweep report)");
            output.WriteLine($"sweep folder: {sweepDirectory}");
            output.WriteLine($"follow it with: rerank sweep status {file}{SetArguments(overrides)}");
            return 0;
        }
        catch (ExperimentConfigException error)
        {
            return ExperimentArguments.ReportConfigErrors(error, errors);
        }
        catch (Exception error) when (error is TrackingException or InvalidOperationException or IOException)
        {
            errors.WriteLine($"error: {error.Message}");
            return 1;
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    static string SetArguments(IReadOnlyList<string> overrides) => string.Concat(overrides.Select(o => $" --set {SlurmScripts.Quote(o)}"));

    /// <summary>
    /// The experiment the jobs run: the file with its extends and --set applied, written as one file (paths stay as
    /// written; the jobs read them from --base-dir), so it has the submitted file's sweep and config hashes.
    /// </summary>
    static void WriteExperiment(string file, IReadOnlyList<string> overrides, string target)
    {
        var root = ExperimentFiles.Load(file, overrides);
        string text = $"# Written by `rerank sweep submit` from {Path.GetFullPath(file)}{(overrides.Count > 0 ? " with --set " + string.Join(" --set ", overrides) : "")}.\n" +
                      "# Relative paths are read from the job's --base-dir.\n" + ConfigYamlWriter.Write(root);
        string temporary = target + "." + Guid.NewGuid().ToString("N") + ".partial";
        File.WriteAllText(temporary, text);
        File.Move(temporary, target, overwrite: true);
    }
}
