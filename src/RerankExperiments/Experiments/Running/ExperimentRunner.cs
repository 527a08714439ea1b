using System.Globalization;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Hub;
using RerankExperiments.Tracking;
using Serilog;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// Runs an <see cref="ExperimentPlan"/> against a tracking store. A sweep is a parent run (found again by the sweep
/// hash on a re-run) with one child run per trial (mlflow.parentRunId); a single experiment is one run. Each trial
/// logs the flattened resolved config as params, per-step metrics and its artifacts. Resume: a trial whose config
/// hash already has a FINISHED run is skipped (its metrics are read back for the summary); a FAILED or KILLED one
/// runs again, continuing from its latest checkpoint. A failing trial is marked FAILED with its error and the sweep
/// goes on; cancellation marks the current trial KILLED and stops. <paramref name="progressDisplay"/> makes each
/// trial's training-progress callback (null: plain lines on <paramref name="progress"/>).
/// </summary>
public sealed class ExperimentRunner(ITrackingStore store, ILogger log, TextWriter progress, HubSettings hub, RunnerOptions? options = null,
    Func<Training.ITrainingCallback>? progressDisplay = null)
{
    readonly RunnerOptions _options = options ?? new RunnerOptions();

    public ExperimentOutcome Run(ExperimentPlan plan, CancellationToken cancellationToken = default)
    {
        var spec = plan.Spec;
        var trials = _options.Trial is { } only
            ? plan.Trials.Where(t => t.Index == only).ToList() is { Count: 1 } one ? one
                : throw new ExperimentConfigException([new ConfigError(null, "--trial", $"is {only}; the experiment has trials 0 to {plan.Trials.Count - 1}.")])
            : plan.Trials.ToList();
        // An unwritable output folder fails the run before any tracking or training (the space check is per trial).
        foreach (var folder in trials.Select(t => t.Spec.Output.Directory).Distinct(StringComparer.Ordinal))
            Training.Storage.OutputPreflight.EnsureWritable(folder, Training.Storage.OutputSettingNames.Experiment);
        string experimentId = store.GetOrCreateExperiment(spec.Tracking.Experiment);
        var source = SourceInfo.Detect(_options.WorkingDirectory);
        var commonTags = CommonTags(source);
        log.Information("Experiment {Name}: {Count} trial(s), tracking at {Location} (experiment {Id})", spec.Name, plan.Trials.Count, store.Location, experimentId);

        // One trial of a sweep (a job array task, a CI matrix job) joins the parent and leaves it to `rerank sweep
        // report` to finish; the whole sweep in one process finishes it itself.
        bool wholeSweep = _options.Trial is null;
        var parents = new SweepParentRun(store, log);
        string? parentRunId = plan.Sweep is null ? null : parents.Resolve(plan, experimentId, commonTags, _options.ParentRunId, reopen: wholeSweep);
        var outcomes = new List<TrialOutcome>();
        foreach (var trial in trials)
        {
            if (cancellationToken.IsCancellationRequested) break;
            var outcome = RunTrial(plan, trial, experimentId, parentRunId, commonTags, cancellationToken);
            outcomes.Add(outcome);
            if (outcome.Status == RunStatus.Killed) break;
        }

        var (bestMetric, bestTrial) = SweepSummary.Best(plan, outcomes);
        if (parentRunId is not null && wholeSweep) parents.Finish(plan, experimentId, parentRunId, outcomes, bestMetric, bestTrial);
        else if (parentRunId is not null) log.Information("Sweep: trial {Trial} of parent run {RunId}; `rerank sweep report {File}` builds the report when all trials ended", _options.Trial, parentRunId, plan.SourceFile);
        return new ExperimentOutcome(experimentId, parentRunId, outcomes, bestMetric, bestTrial);
    }

    TrialOutcome RunTrial(ExperimentPlan plan, TrialPlan trial, string experimentId, string? parentRunId, Dictionary<string, string> commonTags,
        CancellationToken cancellationToken)
    {
        if (_options.Resume)
        {
            var finished = store.FindRuns(experimentId, new Dictionary<string, string> { [RunTags.ConfigHash] = trial.ConfigHash })
                .Where(r => r.Status == RunStatus.Finished).OrderByDescending(r => r.EndTimeMs).FirstOrDefault();
            if (finished is not null)
            {
                log.Information("Trial {Index} ({Name}): already FINISHED in run {RunId}; skipped", trial.Index, trial.Name, finished.RunId);
                return new TrialOutcome(trial, finished.RunId, RunStatus.Finished, true, finished.LatestMetrics, null, null);
            }
        }

        string workDirectory = TrialDirectory(trial);
        TrialLock trialLock;
        try { trialLock = TrialLock.Acquire(workDirectory); }
        catch (TrialBusyException busy)
        {
            log.Error("Trial {Index} ({Name}): {Message}", trial.Index, trial.Name, busy.Message);
            return new TrialOutcome(trial, null, RunStatus.Failed, false, new Dictionary<string, double>(), busy.Message, null);
        }
        using var held = trialLock;
        MarkDeadRun(trialLock.PreviousRunId);

        var tags = new Dictionary<string, string>(commonTags)
        {
            [RunTags.ConfigHash] = trial.ConfigHash,
            [RunTags.Kind] = "trial",
            [RunTags.TrialIndex] = trial.Index.ToString(CultureInfo.InvariantCulture),
        };
        if (parentRunId is not null)
        {
            tags[MlflowTags.ParentRunId] = parentRunId;
            tags[RunTags.SweepHash] = plan.SweepHash;
        }
        var run = store.CreateRun(experimentId, trial.Name, tags, Now());
        trialLock.Record(run.RunId);
        log.Information("Trial {Index} ({Name}): run {RunId}", trial.Index, trial.Name, run.RunId);
        store.LogBatch(run.RunId, [], Params(trial), new Dictionary<string, string>());

        string logFile = Path.Combine(workDirectory, "run.log.jsonl");
        TrialOutcome outcome;
        using (var trialLog = TrialLog.Create(log, logFile, trial))
        {
            try
            {
                outcome = new TrialExecutor(store, trialLog, hub, progress, _options.CacheDirectory, progressDisplay).Execute(trial, run.RunId, workDirectory, cancellationToken);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                trialLog.Error(error, "Trial {Index} failed", trial.Index);
                outcome = new TrialOutcome(trial, run.RunId, RunStatus.Failed, false, new Dictionary<string, double>(), error.Message, null);
                store.LogBatch(run.RunId, [], new Dictionary<string, string>(), new Dictionary<string, string> { [RunTags.Error] = TrackingKeys.Truncate(error.Message, TrackingKeys.MaxTagValueLength) });
            }
        }
        if (File.Exists(logFile)) store.LogArtifact(run.RunId, logFile);
        store.UpdateRun(run.RunId, outcome.Status, Now());
        log.Information("Trial {Index} ({Name}): {Status}", trial.Index, trial.Name, outcome.Status);
        return outcome;
    }

    /// <summary>
    /// The run that last held this trial's lock, if still RUNNING, died without ending it (kill -9, the OOM killer, a
    /// lost machine): it is marked KILLED with a tag saying so. Its checkpoints are what this attempt resumes from.
    /// </summary>
    void MarkDeadRun(string? previousRunId)
    {
        if (previousRunId is null) return;
        TrackedRun previous;
        try { previous = store.GetRun(previousRunId); }
        catch (Exception error) when (error is TrackingException or ArgumentException) { return; } // another store, or deleted: nothing to mark
        if (previous.Status != RunStatus.Running) return;
        store.LogBatch(previousRunId, [], new Dictionary<string, string>(), new Dictionary<string, string>
        {
            [RunTags.Error] = "the process ended without finishing the run (killed, out of host memory, or the machine went down); a later attempt resumed the trial",
        });
        store.UpdateRun(previousRunId, RunStatus.Killed, Now());
        log.Warning("Run {RunId} of this trial ended without a word (its process died); marked KILLED", previousRunId);
    }

    Dictionary<string, string> CommonTags(SourceInfo source)
    {
        var tags = new Dictionary<string, string>
        {
            [MlflowTags.User] = source.User,
            [MlflowTags.SourceName] = _options.SourceName,
            [MlflowTags.SourceType] = "LOCAL",
        };
        if (source.GitCommit is { } commit) tags[MlflowTags.GitCommit] = commit;
        if (source.GitBranch is { } branch) tags[MlflowTags.GitBranch] = branch;
        return tags;
    }

    /// <summary>The flattened resolved config (the sweep section left out: it is the parent's), values cut to MLflow's limit.</summary>
    static Dictionary<string, string> Params(TrialPlan trial) =>
        ConfigFlattener.Flatten(trial.Resolved, ["sweep"])
            .ToDictionary(p => TrackingKeys.Sanitize(p.Key), p => TrackingKeys.Truncate(p.Value, TrackingKeys.MaxParamValueLength));

    /// <summary>The trial's folder (checkpoints, models, plots, log): output.dir/{experiment name}/{config hash}.</summary>
    public static string TrialDirectory(TrialPlan trial) => Path.Combine(trial.Spec.Output.Directory, Safe(trial.Spec.Name), trial.ConfigHash);

    /// <summary>
    /// The sweep's experiment and parent run, the parent created when missing and set RUNNING: what `rerank sweep
    /// submit` does before its jobs start, so that every task joins the same parent.
    /// </summary>
    public (string ExperimentId, string ParentRunId) OpenSweep(ExperimentPlan plan)
    {
        if (plan.Sweep is null)
            throw new ExperimentConfigException([new ConfigError(null, "sweep", $"{plan.SourceFile} has no sweep section: submit runs a sweep's trials as a job array.")]);
        string experimentId = store.GetOrCreateExperiment(plan.Spec.Tracking.Experiment);
        return (experimentId, new SweepParentRun(store, log).Resolve(plan, experimentId, CommonTags(SourceInfo.Detect(_options.WorkingDirectory)), _options.ParentRunId, reopen: true));
    }

    /// <summary>
    /// The report of a sweep whose trials ran elsewhere (job array tasks, CI matrix jobs): every trial's outcome read
    /// from the store, the parent finished with the report. The parent is <see cref="RunnerOptions.ParentRunId"/> or
    /// the sweep's own, found by its hash.
    /// </summary>
    public ExperimentOutcome Report(ExperimentPlan plan)
    {
        if (plan.Sweep is null)
            throw new ExperimentConfigException([new ConfigError(null, "sweep", $"{plan.SourceFile} has no sweep: there is no sweep report to build.")]);
        string experimentId = store.GetOrCreateExperiment(plan.Spec.Tracking.Experiment);
        var parents = new SweepParentRun(store, log);
        string parentRunId = parents.Resolve(plan, experimentId, CommonTags(SourceInfo.Detect(_options.WorkingDirectory)), _options.ParentRunId, reopen: false);
        var outcomes = TrialRunState.Read(store, experimentId, plan).Select(s => s.ToOutcome()).ToList();
        var (bestMetric, bestTrial) = SweepSummary.Best(plan, outcomes);
        parents.Finish(plan, experimentId, parentRunId, outcomes, bestMetric, bestTrial);
        return new ExperimentOutcome(experimentId, parentRunId, outcomes, bestMetric, bestTrial);
    }

    /// <summary>A folder name from an experiment name.</summary>
    internal static string Safe(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
