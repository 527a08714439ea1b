using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Reporting;
using RerankExperiments.Tracking;
using Serilog;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// A sweep's MLflow parent run: found, or created once, by every process that runs trials of the sweep — the whole
/// sweep in one process, or one trial per Slurm array task or CI matrix job started independently — and finished
/// (report, best metric, status) by whoever runs the whole sweep or builds its report.
/// <para>
/// Independent processes meet without talking to each other: the parent carries the sweep hash (tag), so any of them
/// finds it. Creation is idempotent under races: in a FileStore the parent's run id is derived from the experiment and
/// the sweep hash, so racing creators make one folder and the losers read it; elsewhere (an MLflow server assigns ids)
/// the earliest parent wins, a later one created in the same instant is marked a duplicate, and the report moves any
/// child it got to the winner.
/// </para>
/// </summary>
public sealed class SweepParentRun(ITrackingStore store, ILogger log)
{
    /// <summary>rerank.kind of a parent that lost a creation race (kept, not deleted: MLflow's FileStore has no delete).</summary>
    public const string DuplicateKind = "sweep-duplicate";

    /// <summary>
    /// The parent's run id: <paramref name="explicitRunId"/> when given (it must be a parent of this sweep), else the
    /// sweep's existing parent, else a new one. <paramref name="reopen"/> sets an ended parent back to RUNNING (a
    /// process that will finish it again).
    /// </summary>
    public string Resolve(ExperimentPlan plan, string experimentId, IReadOnlyDictionary<string, string> commonTags, string? explicitRunId, bool reopen)
    {
        string runId = explicitRunId is not null ? Check(plan, explicitRunId)
            : Find(store, experimentId, plan)?.RunId ?? Create(plan, experimentId, commonTags);
        if (reopen && store.GetRun(runId).Status != RunStatus.Running)
        {
            store.UpdateRun(runId, RunStatus.Running, null);
            log.Information("Sweep: continuing parent run {RunId}", runId);
        }
        return runId;
    }

    /// <summary>The sweep's parent run (the earliest, when a race left several), or null.</summary>
    public static TrackedRun? Find(ITrackingStore store, string experimentId, ExperimentPlan plan) =>
        store.FindRuns(experimentId, new Dictionary<string, string> { [RunTags.SweepHash] = plan.SweepHash, [RunTags.Kind] = "sweep" })
            .OrderBy(r => r.StartTimeMs).ThenBy(r => r.RunId, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>The FileStore run id of a sweep's parent: 32 hex digits of SHA-256(experiment id, sweep hash).</summary>
    public static string DeterministicRunId(string experimentId, string sweepHash) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"rerank-sweep-parent/{experimentId}/{sweepHash}")))[..32];

    string Check(ExperimentPlan plan, string runId)
    {
        TrackedRun run;
        try { run = store.GetRun(runId); }
        catch (TrackingException error) when (error.ErrorCode == "RESOURCE_DOES_NOT_EXIST")
        {
            throw new ExperimentConfigException([new ConfigError(null, "--parent-run", $"run '{runId}' does not exist in {store.Location}.")]);
        }
        if (run.Tags.GetValueOrDefault(RunTags.SweepHash) != plan.SweepHash)
            throw new ExperimentConfigException([new ConfigError(null, "--parent-run",
                $"run '{runId}' is not the parent of this sweep (its sweep hash is '{run.Tags.GetValueOrDefault(RunTags.SweepHash) ?? "none"}', {plan.SourceFile} has '{plan.SweepHash}'): the experiment file or its --set values changed since the sweep was submitted.")]);
        return runId;
    }

    /// <summary>Creates the parent (internal: tests call it as a job that looked before another job created it).</summary>
    internal string Create(ExperimentPlan plan, string experimentId, IReadOnlyDictionary<string, string> commonTags)
    {
        var tags = new Dictionary<string, string>(commonTags) { [RunTags.SweepHash] = plan.SweepHash, [RunTags.Kind] = "sweep" };
        string runId;
        if (store is FileTrackingStore files)
        {
            runId = DeterministicRunId(experimentId, plan.SweepHash);
            try { files.CreateRun(experimentId, plan.Spec.Name, tags, Now(), runId); }
            catch (TrackingException error) when (error.ErrorCode == "RESOURCE_ALREADY_EXISTS") { log.Information("Sweep: parent run {RunId} made by another process", runId); }
        }
        else
        {
            runId = store.CreateRun(experimentId, plan.Spec.Name, tags, Now()).RunId;
            // Two jobs may have created a parent in the same instant: the earliest stays, the other steps aside.
            if (Find(store, experimentId, plan) is { } winner && winner.RunId != runId)
            {
                store.LogBatch(runId, [], new Dictionary<string, string>(), new Dictionary<string, string>
                {
                    [RunTags.Kind] = DuplicateKind,
                    [RunTags.Error] = $"a second parent created by a concurrent job; the sweep's parent is {winner.RunId}",
                });
                store.UpdateRun(runId, RunStatus.Killed, Now());
                log.Information("Sweep: parent run {RunId} made by another job", winner.RunId);
                return winner.RunId;
            }
        }
        // Every creator logs the same values: params are immutable, so repeating them is harmless.
        store.LogBatch(runId, [], Params(plan), new Dictionary<string, string>());
        log.Information("Sweep: parent run {RunId}", runId);
        return runId;
    }

    static Dictionary<string, string> Params(ExperimentPlan plan)
    {
        var sweep = plan.Sweep!;
        var parameters = new Dictionary<string, string>
        {
            ["sweep.method"] = sweep.Method.ToString().ToLowerInvariant(),
            ["sweep.trials"] = plan.Trials.Count.ToString(CultureInfo.InvariantCulture),
            ["sweep.seed"] = sweep.Seed.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var p in sweep.Parameters)
            parameters[TrackingKeys.Sanitize($"sweep.parameters.{p.Path}")] = TrackingKeys.Truncate(p.Values is { } values ? ConfigYamlWriter.Flow(new ConfigSequence(values, p.Mark)) : $"{p.Distribution!.Kind}({p.Distribution.Low.ToString(CultureInfo.InvariantCulture)}, {p.Distribution.High.ToString(CultureInfo.InvariantCulture)})", TrackingKeys.MaxParamValueLength);
        return parameters;
    }

    /// <summary>
    /// Ends the parent: the trials' runs that a racing duplicate parent got are moved under it, the sweep report and
    /// plots are written (output.dir/{name}/sweep-{hash}/) and logged, the best metric and trial recorded, and the status
    /// set (KILLED if a trial was, FAILED if one failed or has no run, else FINISHED).
    /// </summary>
    public void Finish(ExperimentPlan plan, string experimentId, string parentRunId, IReadOnlyList<TrialOutcome> outcomes, string? bestMetric, int? bestTrial)
    {
        Adopt(plan, experimentId, parentRunId);
        var points = new List<MetricPoint>();
        if (bestMetric is not null && bestTrial is { } best && outcomes.FirstOrDefault(o => o.Trial.Index == best) is { } winner
            && SweepSummary.Metric(winner, bestMetric) is { } value)
            points.Add(new MetricPoint(MetricNames.ForTracking($"best/{bestMetric}"), value, Now(), 0));
        var directory = ReportDirectory(plan);
        Directory.CreateDirectory(directory);
        var plots = SweepReport.Plots(plan, outcomes, bestMetric, store);
        if (LineChart.TextFont is null) log.Warning("No font found under /usr/share/fonts: the sweep plots have no text (install a font, e.g. Debian's fonts-dejavu-core)");
        foreach (var (name, png) in plots)
        {
            string file = Path.Combine(directory, name);
            File.WriteAllBytes(file, png);
            store.LogArtifact(parentRunId, file, "plots");
        }
        string report = Path.Combine(directory, SweepReport.FileName);
        File.WriteAllText(report, SweepReport.Markdown(plan, outcomes, bestMetric, bestTrial, store.Location, plots.Select(p => p.Name).ToList()));
        store.LogArtifact(parentRunId, report);
        store.LogBatch(parentRunId, points, new Dictionary<string, string>(),
            bestTrial is { } b ? new Dictionary<string, string> { ["rerank.best_trial"] = b.ToString(CultureInfo.InvariantCulture) } : new Dictionary<string, string>());
        var status = outcomes.Any(o => o.Status == RunStatus.Killed) ? RunStatus.Killed
            : outcomes.Any(o => o.Status != RunStatus.Finished) ? RunStatus.Failed : RunStatus.Finished;
        store.UpdateRun(parentRunId, status, Now());
    }

    /// <summary>Where the sweep report and plots are written: output.dir/{experiment name}/sweep-{sweep hash}.</summary>
    public static string ReportDirectory(ExperimentPlan plan) =>
        Path.Combine(plan.Spec.Output.Directory, ExperimentRunner.Safe(plan.Spec.Name), "sweep-" + plan.SweepHash);

    /// <summary>Trial runs of this sweep filed under another parent (a duplicate from a creation race) move to this one.</summary>
    void Adopt(ExperimentPlan plan, string experimentId, string parentRunId)
    {
        foreach (var child in store.FindRuns(experimentId, new Dictionary<string, string> { [RunTags.SweepHash] = plan.SweepHash, [RunTags.Kind] = "trial" }))
        {
            if (child.ParentRunId == parentRunId) continue;
            store.LogBatch(child.RunId, [], new Dictionary<string, string>(), new Dictionary<string, string> { [MlflowTags.ParentRunId] = parentRunId });
            log.Information("Sweep: run {RunId} of trial {Trial} moved under parent {Parent}", child.RunId, child.Tags.GetValueOrDefault(RunTags.TrialIndex), parentRunId);
        }
    }

    static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
