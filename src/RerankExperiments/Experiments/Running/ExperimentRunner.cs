using System.Globalization;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Hub;
using RerankExperiments.Reporting;
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

        string? parentRunId = plan.Sweep is null ? null : ParentRun(plan, experimentId, commonTags);
        var outcomes = new List<TrialOutcome>();
        foreach (var trial in trials)
        {
            if (cancellationToken.IsCancellationRequested) break;
            var outcome = RunTrial(plan, trial, experimentId, parentRunId, commonTags, cancellationToken);
            outcomes.Add(outcome);
            if (outcome.Status == RunStatus.Killed) break;
        }

        var (bestMetric, bestTrial) = SweepSummary.Best(plan, outcomes);
        if (parentRunId is not null) FinishParent(plan, parentRunId, outcomes, bestMetric, bestTrial);
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
        if (parentRunId is not null) tags[MlflowTags.ParentRunId] = parentRunId;
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

    string ParentRun(ExperimentPlan plan, string experimentId, Dictionary<string, string> commonTags)
    {
        var existing = store.FindRuns(experimentId, new Dictionary<string, string> { [RunTags.SweepHash] = plan.SweepHash, [RunTags.Kind] = "sweep" })
            .OrderByDescending(r => r.StartTimeMs).FirstOrDefault();
        if (existing is not null)
        {
            store.UpdateRun(existing.RunId, RunStatus.Running, null);
            log.Information("Sweep: continuing parent run {RunId}", existing.RunId);
            return existing.RunId;
        }
        var tags = new Dictionary<string, string>(commonTags) { [RunTags.SweepHash] = plan.SweepHash, [RunTags.Kind] = "sweep" };
        var parent = store.CreateRun(experimentId, plan.Spec.Name, tags, Now());
        var sweep = plan.Sweep!;
        var parameters = new Dictionary<string, string>
        {
            ["sweep.method"] = sweep.Method.ToString().ToLowerInvariant(),
            ["sweep.trials"] = plan.Trials.Count.ToString(CultureInfo.InvariantCulture),
            ["sweep.seed"] = sweep.Seed.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var p in sweep.Parameters)
            parameters[TrackingKeys.Sanitize($"sweep.parameters.{p.Path}")] = TrackingKeys.Truncate(p.Values is { } values ? ConfigYamlWriter.Flow(new ConfigSequence(values, p.Mark)) : $"{p.Distribution!.Kind}({p.Distribution.Low.ToString(CultureInfo.InvariantCulture)}, {p.Distribution.High.ToString(CultureInfo.InvariantCulture)})", TrackingKeys.MaxParamValueLength);
        store.LogBatch(parent.RunId, [], parameters, new Dictionary<string, string>());
        log.Information("Sweep: parent run {RunId}", parent.RunId);
        return parent.RunId;
    }

    void FinishParent(ExperimentPlan plan, string parentRunId, List<TrialOutcome> outcomes, string? bestMetric, int? bestTrial)
    {
        var points = new List<MetricPoint>();
        if (bestMetric is not null && bestTrial is { } best && outcomes.FirstOrDefault(o => o.Trial.Index == best) is { } winner
            && SweepSummary.Metric(winner, bestMetric) is { } value)
            points.Add(new MetricPoint(MetricNames.ForTracking($"best/{bestMetric}"), value, Now(), 0));
        var directory = Path.Combine(plan.Spec.Output.Directory, Safe(plan.Spec.Name), "sweep-" + plan.SweepHash);
        Directory.CreateDirectory(directory);
        var plots = SweepReport.Plots(plan, outcomes, bestMetric, store);
        if (LineChart.TextFont is null) log.Warning("No font found under /usr/share/fonts: the sweep plots have no text (install a font, e.g. Debian's fonts-dejavu-core)");
        foreach (var (name, png) in plots)
        {
            string file = Path.Combine(directory, name);
            File.WriteAllBytes(file, png);
            store.LogArtifact(parentRunId, file, "plots");
        }
        string report = Path.Combine(directory, "sweep_report.md");
        File.WriteAllText(report, SweepReport.Markdown(plan, outcomes, bestMetric, bestTrial, store.Location, plots.Select(p => p.Name).ToList()));
        store.LogArtifact(parentRunId, report);
        store.LogBatch(parentRunId, points, new Dictionary<string, string>(),
            bestTrial is { } b ? new Dictionary<string, string> { ["rerank.best_trial"] = b.ToString(CultureInfo.InvariantCulture) } : new Dictionary<string, string>());
        var status = outcomes.Any(o => o.Status == RunStatus.Killed) ? RunStatus.Killed
            : outcomes.Any(o => o.Status == RunStatus.Failed) ? RunStatus.Failed : RunStatus.Finished;
        store.UpdateRun(parentRunId, status, Now());
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

    /// <summary>A folder name from an experiment name.</summary>
    static string Safe(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
