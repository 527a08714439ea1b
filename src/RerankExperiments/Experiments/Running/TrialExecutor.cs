using System.Globalization;
using System.Text.Json;
using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Hub;
using RerankExperiments.Losses;
using RerankExperiments.Merging;
using RerankExperiments.Mining;
using RerankExperiments.Modeling;
using RerankExperiments.Modeling.Scratch;
using RerankExperiments.Reporting;
using RerankExperiments.Tracking;
using RerankExperiments.Training;
using RerankExperiments.Training.Storage;
using Serilog;
using Serilog.Core;
using TorchSharp;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// Runs one trial's pipeline (DESIGN.md, "The data flow of one experiment"): load data → split / deduplicate → mine
/// hard negatives (cached) → load the model → evaluate it as the baseline → train (evaluating and checkpointing as
/// configured, resuming from the trial folder's latest checkpoint) → save the model → log everything to the run.
/// The trial folder is keyed by the config hash, so an interrupted trial resumes where it stopped. Training progress
/// goes to <paramref name="progressDisplay"/>'s callback (a terminal progress bar in the CLI), else plain lines on
/// <paramref name="progress"/>; a disposable display is disposed when training ends, also when it throws.
/// </summary>
public sealed class TrialExecutor(ITrackingStore store, ILogger log, HubSettings hub, TextWriter progress, string cacheDirectory,
    Func<ITrainingCallback>? progressDisplay = null)
{
    /// <summary>Runs the trial in <paramref name="workDirectory"/>; metrics and artifacts go to run <paramref name="runId"/>.</summary>
    public TrialOutcome Execute(TrialPlan trial, string runId, string workDirectory, CancellationToken cancellationToken)
    {
        var spec = trial.Spec;
        Directory.CreateDirectory(workDirectory);
        // A named model is resolved (downloaded if need be) first: its size says how much the trial will write.
        string? namedModel = spec.Model.Init is null ? ModelReference.Resolve(spec.Model.NameOrPath!, hub) : null;
        EnsureSpace(spec, namedModel, workDirectory);
        File.WriteAllText(Path.Combine(workDirectory, "config.yml"), trial.ResolvedYaml);
        store.LogArtifact(runId, Path.Combine(workDirectory, "config.yml"));

        var (train, eval) = LoadData(spec, runId);
        if (spec.Mining is { } mining) (train, eval) = Mine(train, eval, mining, runId, workDirectory);

        var loss = LossFactory.Create(spec.Loss.Name, spec.Loss.Options);
        var evaluators = BuildEvaluators(spec, eval, runId);
        var device = torch.device(spec.Device);
        string modelDirectory = namedModel ?? StartingModel(spec.Model.Init!, train, workDirectory);
        log.Information("Model {Model} ({Folder}) on {Device}", spec.Model.Description, modelDirectory, spec.Device);
        using var encoder = CrossEncoder.Load(modelDirectory, device: device);

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var reranker = new Reranker(encoder, new RerankerOptions(spec.Training.EvalBatchSize, spec.Model.MaxLength));
        var baselinePoints = new List<MetricPoint>();
        foreach (var (evaluator, evalSpec) in evaluators)
        {
            if (!evalSpec.Baseline) continue;
            foreach (var (key, value) in evaluator.Evaluate(reranker))
            {
                metrics[$"baseline/{key}"] = value;
                if (double.IsFinite(value)) baselinePoints.Add(new MetricPoint(MetricNames.ForTracking($"baseline/{key}"), value, Now(), 0));
            }
        }
        if (baselinePoints.Count > 0)
        {
            store.LogBatch(runId, baselinePoints, Empty, Empty);
            log.Information("Baseline (the starting model): {Metrics}", Format(metrics));
        }

        var options = spec.Training with { OutputDir = Path.Combine(workDirectory, "checkpoints") };
        string? resume = Checkpoints.FindLatest(options.OutputDir) is { } latest ? latest : null;
        if (resume is not null) log.Information("Resuming from {Checkpoint}", resume);
        var display = progressDisplay?.Invoke() ?? new ConsoleProgressCallback(progress);
        var callbacks = new CompositeTrainingCallback([display, new LoggingTrainingCallback(log.ForContext(Constants.SourceContextPropertyName, TrialLog.TrainingSource)), new TrackingCallback(store, runId)]);
        TrainingResult result;
        try
        {
            result = new CrossEncoderTrainer().Train(encoder, train, loss, evaluators.Select(e => e.Evaluator).ToList(), options, callbacks, resume, cancellationToken);
        }
        finally
        {
            (display as IDisposable)?.Dispose();
        }
        foreach (var (key, value) in result.FinalMetrics) metrics[key] = value;
        if (result.Cancelled)
            return new TrialOutcome(trial, runId, RunStatus.Killed, false, metrics, "interrupted; the next run resumes from the last checkpoint", null);

        var final = new List<MetricPoint> { new("global_steps", result.GlobalSteps, Now(), result.GlobalSteps), new("skipped_steps", result.SkippedSteps, Now(), result.GlobalSteps) };
        if (result.BestMetric is { } best && result.BestMetricName is { } bestName) final.Add(new MetricPoint(MetricNames.ForTracking($"best/{bestName}"), best, Now(), result.BestStep ?? result.GlobalSteps));
        store.LogBatch(runId, final, Empty, Empty);
        PlotEvalMetric(spec, result, metrics, runId, workDirectory);

        string report = Path.Combine(workDirectory, "eval_report.json");
        File.WriteAllText(report, JsonSerializer.Serialize(new { trial = trial.Name, steps = result.GlobalSteps, metrics, best_metric = result.BestMetricName, best_value = result.BestMetric, best_step = result.BestStep },
            new JsonSerializerOptions { WriteIndented = true }));
        store.LogArtifact(runId, report);

        string? modelPath = null;
        if (spec.Output.SaveModel || spec.Merge is not null)
        {
            modelPath = Path.Combine(workDirectory, "model");
            encoder.Save(modelPath, new ModelCard(BaseModel: spec.Model.NameOrPath ?? "trained from scratch", TrainingData: Path.GetFileName(spec.Data.Train.Path), Loss: loss.Name,
                Hyperparameters: new Dictionary<string, string>
                {
                    ["learning_rate"] = spec.Training.LearningRate.ToString("R", CultureInfo.InvariantCulture),
                    ["batch_size"] = spec.Training.BatchSize.ToString(CultureInfo.InvariantCulture),
                    ["epochs"] = spec.Training.Epochs.ToString("R", CultureInfo.InvariantCulture),
                    ["seed"] = spec.Training.Seed.ToString(CultureInfo.InvariantCulture),
                    ["precision"] = spec.Training.Precision.ToString(),
                    ["config_hash"] = trial.ConfigHash,
                },
                Metrics: result.FinalMetrics));
            store.LogArtifact(runId, Path.Combine(modelPath, "README.md"), "model_card");
            if (spec.Output.LogModel) store.LogArtifact(runId, modelPath, "model");
        }
        if (spec.Merge is { } merge)
            foreach (var (key, value) in Merge(trial, merge, modelPath!, modelDirectory, runId, workDirectory, train, eval, evaluators, cancellationToken))
                metrics[$"merged/{key}"] = value;
        return new TrialOutcome(trial, runId, RunStatus.Finished, false, metrics, null, modelPath);
    }

    /// <summary>
    /// LM-Cocktail: mixes the fine-tuned model with the base (or the listed models), evaluates the mix with the trial's
    /// evaluators, and logs it as its own run, a child of the trial's run, with the models and weights as params.
    /// </summary>
    IReadOnlyDictionary<string, double> Merge(TrialPlan trial, MergeSpec merge, string fineTuned, string baseDirectory, string trialRunId, string workDirectory,
        List<RankingExample> train, List<RankingExample>? eval, List<(IEvaluator Evaluator, EvalSpec Spec)> evaluators, CancellationToken cancellationToken)
    {
        var models = new List<string> { fineTuned };
        models.AddRange(merge.With.Select(m => m == "base" ? baseDirectory : ModelReference.Resolve(m, hub)));
        string output = Path.Combine(workDirectory, "merged");
        var merger = new ModelMerger();
        MergeResult result;
        if (merge.Weights is { } weights) result = merger.Merge(models, weights, output, merge.Normalize);
        else
        {
            var examples = merge.Examples is { } path
                ? DatasetReference.Load(path, new DatasetReadOptions(trial.Spec.Data.Train.Format), hub).Examples
                : eval is { Count: > 0 } ? eval : train;
            result = merger.MergeWithData(models, new AutoWeightOptions { Examples = [.. examples], Temperature = merge.Temperature, NegNumber = merge.NegNumber, Seed = merge.Seed }, output);
        }
        cancellationToken.ThrowIfCancellationRequested();
        log.Information("Merged {Count} models with weights {Weights}{Losses}", models.Count, string.Join(", ", result.Weights.Select(w => w.ToString("0.####", CultureInfo.InvariantCulture))),
            result.Losses is { } l ? $" (example losses {string.Join(", ", l.Select(x => x.ToString("0.####", CultureInfo.InvariantCulture)))})" : "");

        string experimentId = store.GetRun(trialRunId).ExperimentId;
        var run = store.CreateRun(experimentId, $"{trial.Name} merged", new Dictionary<string, string>
        {
            [MlflowTags.ParentRunId] = trialRunId,
            [RunTags.Kind] = "merge",
            [RunTags.ConfigHash] = trial.ConfigHash + "-merge",
        }, Now());
        var parameters = new Dictionary<string, string>
        {
            ["merge.models"] = TrackingKeys.Truncate(string.Join(", ", models), TrackingKeys.MaxParamValueLength),
            ["merge.weights"] = string.Join(", ", result.Weights.Select(w => w.ToString("R", CultureInfo.InvariantCulture))),
            ["merge.mode"] = merge.Weights is null ? "auto" : "fixed",
        };
        if (result.Temperature is { } temperature) parameters["merge.temperature"] = temperature.ToString("R", CultureInfo.InvariantCulture);
        var points = result.Weights.Select((w, i) => new MetricPoint($"merge/weight_{i}", w, Now(), 0)).ToList();
        if (result.Losses is { } losses) points.AddRange(losses.Select((x, i) => new MetricPoint($"merge/example_loss_{i}", x, Now(), 0)));

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        try
        {
            using var merged = CrossEncoder.Load(output, device: torch.device(trial.Spec.Device));
            var reranker = new Reranker(merged, new RerankerOptions(trial.Spec.Training.EvalBatchSize, trial.Spec.Model.MaxLength));
            foreach (var (evaluator, _) in evaluators)
                foreach (var (key, value) in evaluator.Evaluate(reranker))
                {
                    metrics[key] = value;
                    if (double.IsFinite(value)) points.Add(new MetricPoint(MetricNames.ForTracking(key), value, Now(), 0));
                }
            store.LogBatch(run.RunId, points, parameters, new Dictionary<string, string>());
            store.LogArtifact(run.RunId, Path.Combine(output, "README.md"), "model_card");
            if (trial.Spec.Output.LogModel) store.LogArtifact(run.RunId, output, "model");
            store.UpdateRun(run.RunId, RunStatus.Finished, Now());
        }
        catch
        {
            store.UpdateRun(run.RunId, RunStatus.Failed, Now());
            throw;
        }
        log.Information("Merged model: {Metrics}", Format(metrics));
        return metrics;
    }



    /// <summary>
    /// The best-model metric at each evaluation during training (resumed steps included: the checkpoint carries the
    /// log history) against the first stage's order and the starting model, as plots/{metric}.png, logged under plots/.
    /// </summary>
    void PlotEvalMetric(ExperimentSpec spec, TrainingResult result, IReadOnlyDictionary<string, double> metrics, string runId, string workDirectory)
    {
        if (result.BestMetricName is not { } metric) return;
        var history = TrainingHistory.FromLog(result.LogHistory);
        if (history.Metric(metric).Count == 0) return;
        var references = new List<(string Name, double Value)>();
        if (MetricKeys.FirstStage(metric) is { } firstStage && history.Metric(firstStage) is { Count: > 0 } order) references.Add((spec.FirstStageName, order[^1].Value));
        if (metrics.TryGetValue($"baseline/{metric}", out double before)) references.Add(("starting model", before));
        string png = Path.Combine(workDirectory, "plots", MetricNames.ForTracking(metric) + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(png)!);
        TrainingCurves.EvalMetric(history, metric, references).SavePng(png);
        store.LogArtifact(runId, png, "plots");
    }

    /// <summary>
    /// The starting model's folder for model.init (a named model is resolved before anything else): a
    /// new one built in the trial folder — its tokenizer trained on the training queries and passages (each distinct
    /// text once) — and reused when the trial resumes.
    /// </summary>
    string StartingModel(ScratchModelOptions init, List<RankingExample> train, string workDirectory)
    {
        string directory = Path.Combine(workDirectory, "initial");
        if (ScratchModel.IsComplete(directory))
        {
            log.Information("Starting model: {Folder}, built by an earlier attempt of this trial", directory);
            return directory;
        }
        var texts = train.SelectMany(e => e.Passages.Prepend(e.Query)).Distinct(StringComparer.Ordinal).ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ScratchModel.Build(init, texts, directory);
        log.Information("Starting model: a new {Architecture} with a WordPiece tokenizer trained on {Texts} training texts, written to {Folder} in {Seconds:F1} s",
            init.Architecture, texts.Count, directory, clock.Elapsed.TotalSeconds);
        return directory;
    }

    /// <summary>
    /// Before any data is read: the trial folder's filesystem must hold the checkpoints and model folders the trial
    /// writes (<see cref="OutputSpaceEstimate"/>), sized by the named model's weights or the shape of a model.init.
    /// </summary>
    void EnsureSpace(ExperimentSpec spec, string? namedModel, string workDirectory)
    {
        var weights = namedModel is not null ? ModelWeights.Measure(namedModel) : ScratchWeights(spec.Model.Init!);
        int copies = (spec.Output.SaveModel || spec.Merge is not null ? 1 : 0) + (spec.Merge is not null ? 1 : 0) + (namedModel is null ? 1 : 0);
        var estimate = OutputSpaceEstimate.For(weights, spec.Training, copies);
        OutputPreflight.EnsureSpace(workDirectory, estimate, OutputSettingNames.Experiment);
        log.Information("Output folder {Folder}: {Free} free; the trial needs about {Estimate}", workDirectory,
            OutputSpaceEstimate.Size(OutputPreflight.FreeBytes(workDirectory)), estimate.Describe());
    }

    /// <summary>A model built from scratch is stored in fp32, its vocabulary at most the configured size.</summary>
    static ModelWeights ScratchWeights(ScratchModelOptions init) => new(init.EstimatedParameterCount * sizeof(float), init.EstimatedParameterCount);

    (List<RankingExample> Train, List<RankingExample>? Eval) LoadData(ExperimentSpec spec, string runId)
    {
        var data = spec.Data;
        var train = Read(data.Train, runId, "train");
        List<RankingExample>? eval = data.Eval is { } evalSource ? Read(evalSource, runId, "eval") : null;
        var counters = new List<MetricPoint>();
        if (data.Deduplicate)
        {
            var (unique, removed) = DatasetSplits.RemoveDuplicates(train);
            train = [.. unique];
            counters.Add(new MetricPoint("data/duplicates_removed", removed, Now(), 0));
            log.Information("Removed {Count} duplicate training examples", removed);
        }
        if (data.EvalSplit is { } split)
        {
            var (kept, heldOut) = DatasetSplits.Split(train, split, data.EvalSplitSeed);
            train = [.. kept];
            eval = [.. heldOut];
        }
        if (train.Count == 0) throw new DataFormatException(data.Train.Path, null, "no training examples (after splitting off the eval data).");
        counters.Add(new MetricPoint("data/train_examples", train.Count, Now(), 0));
        if (eval is not null) counters.Add(new MetricPoint("data/eval_examples", eval.Count, Now(), 0));
        store.LogBatch(runId, counters, Empty, Empty);
        log.Information("Data: {Train} training examples, {Eval} eval examples", train.Count, eval?.Count ?? 0);
        return (train, eval);
    }

    List<RankingExample> Read(DataSourceSpec source, string runId, string role)
    {
        var loaded = DatasetReference.Load(source.Path, new DatasetReadOptions(source.Format, source.Columns, source.SkipBadRows), hub);
        if (loaded.Skipped.Count > 0)
        {
            // Never silent: the count is a metric and the first problem is in the log.
            log.Warning("{Path}: skipped {Count} malformed row(s), e.g. {First}", source.Path, loaded.Skipped.Count, loaded.Skipped[0].Message);
            store.LogBatch(runId, [new MetricPoint($"data/{role}_skipped_rows", loaded.Skipped.Count, Now(), 0)], Empty, Empty);
        }
        var examples = loaded.Examples.AsEnumerable();
        if (source.Limit is { } limit) examples = examples.Take(limit);
        return [.. examples];
    }

    /// <summary>
    /// Mines hard negatives for the training data with the configured retriever (BM25, or a dense encoder resolved
    /// locally or from the Hub), through the mining cache unless disabled; the cache key holds the dense model's
    /// fingerprint. With mining.eval_num_negatives the eval data is mined too: each eval query gets the top N
    /// retrieved passages that are not its positives (from mining.corpus, else every training and eval passage), in
    /// place of its own negatives. Statistics are logged, tracked as mining/* metrics and saved as JSON artifacts.
    /// </summary>
    (List<RankingExample> Train, List<RankingExample>? Eval) Mine(List<RankingExample> train, List<RankingExample>? eval, MiningSpec mining,
        string runId, string workDirectory)
    {
        var records = train.Select(QueryPosNegRecord.FromExample).Where(r => r.Positives.Count > 0).ToList();
        var extraCorpus = mining.Corpus is { } path ? CorpusFile.Read(path) : null;
        DenseMiningSettings? dense = null;
        if (mining.Dense is { } d)
        {
            string folder = ModelReference.ResolveEmbedding(d.Model, hub);
            log.Information("Dense mining with {Model} ({Folder}) on {Device}", d.Model, folder, d.Device);
            dense = new DenseMiningSettings(folder, new TextEncoderOptions(d.BatchSize, d.MaxLength, Normalize: true, d.TruncateDim));
        }
        var setup = new MiningSetup(mining.Options, mining.Bm25, dense);
        var device = torch.device(mining.Dense?.Device ?? "cpu");
        var progressLines = new RetrievalProgressLines(progress, TimeSpan.FromSeconds(30));
        var trainPassages = records.SelectMany(r => r.Positives.Concat(r.Negatives)).ToList();
        var mined = setup.MineCached(mining.Cache ? cacheDirectory : null, records, extraCorpus ?? trainPassages, device, progressLines);
        Report(mined.Statistics, mining, "", mining.Options.NumNegatives, runId, workDirectory);
        var minedTrain = mined.Records.Select(r => r.ToExample()).ToList();
        if (mining.EvalNegatives is not { } wanted || eval is not { Count: > 0 }) return (minedTrain, eval);

        // The miner reads only the positives; the eval data's own negatives join the corpus as candidates.
        var evalRecords = eval.Select(QueryPosNegRecord.FromExample).Where(r => r.Positives.Count > 0).ToList();
        var evalCorpus = extraCorpus ?? [.. trainPassages, .. eval.SelectMany(e => e.Passages)];
        var evalSetup = setup with { Options = new MiningOptions(NumNegatives: wanted, RangeMax: wanted, Seed: mining.Options.Seed) };
        var minedEval = evalSetup.MineCached(mining.Cache ? cacheDirectory : null, evalRecords, evalCorpus, device, progressLines);
        Report(minedEval.Statistics, mining, "eval_", wanted, runId, workDirectory);
        return (minedTrain, minedEval.Records.Select(r => r.ToExample()).ToList());
    }

    /// <summary>Logs one mining run's statistics and tracks them (mining/{prefix}queries, …; mining_statistics{_eval}.json).</summary>
    void Report(MiningStatistics s, MiningSpec mining, string prefix, int wanted, string runId, string workDirectory)
    {
        log.Information("Mining {Data} ({Method}{Cached}): {Queries} queries, {Negatives} negatives; {Short} short of {Wanted}; positive scores {Pos}; negative scores {Neg}",
            prefix.Length == 0 ? "training data" : "eval data", mining.Method, s.FromCache ? ", cached" : "", s.Queries, s.Negatives, s.ShortQueries, wanted,
            s.PositiveScores, s.NegativeScores);
        string statistics = Path.Combine(workDirectory, prefix.Length == 0 ? "mining_statistics.json" : "mining_statistics_eval.json");
        File.WriteAllText(statistics, JsonSerializer.Serialize(s, new JsonSerializerOptions { WriteIndented = true }));
        store.LogArtifact(runId, statistics);
        store.LogBatch(runId, [
            new MetricPoint($"mining/{prefix}queries", s.Queries, Now(), 0),
            new MetricPoint($"mining/{prefix}negatives", s.Negatives, Now(), 0),
            new MetricPoint($"mining/{prefix}short_queries", s.ShortQueries, Now(), 0),
            new MetricPoint($"mining/{prefix}dropped_queries", s.DroppedQueries, Now(), 0),
        ], Empty, Empty);
    }

    List<(IEvaluator Evaluator, EvalSpec Spec)> BuildEvaluators(ExperimentSpec spec, List<RankingExample>? eval, string runId)
    {
        var built = new List<(IEvaluator, EvalSpec)>();
        foreach (var e in spec.Eval)
        {
            if (e.Type == "beir")
            {
                string path = e.BeirPath!;
                var dataset = HubBeirDatasets.LoadFolderOrHub(path, e.BeirSplit, hub);
                var beir = new BeirEvaluator(dataset, new BeirEvaluatorOptions(Split: e.BeirSplit ?? "test", Name: e.Name, AtK: e.AtK, MaxQueries: e.MaxQueries, RerankK: e.RerankK));
                log.Information("Evaluator {Name}: {Path}, {Queries} queries, {Documents} documents, top {RerankK} of {FirstStage} reranked",
                    beir.Name, path, beir.Samples.Count, dataset.Corpus.Count, e.RerankK, dataset.Rankings is null ? "BM25 here" : "the dataset's BM25 ranking");
                built.Add((beir, e));
                continue;
            }
            var examples = e.Data is { } source
                ? Read(source, runId, e.Name)
                : eval ?? throw new InvalidOperationException($"Evaluator '{e.Name}' has no data.");
            var samples = RerankingSamples.FromExamples(examples);
            if (samples.Count == 0) throw new DataFormatException(e.Data?.Path ?? spec.Data.Train.Path, null, $"evaluator '{e.Name}': no example has a relevant passage.");
            built.Add((new RerankingEvaluator(samples, e.Name, e.AtK), e));
        }
        return built;
    }

    static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    static string Format(IReadOnlyDictionary<string, double> metrics) =>
        string.Join(", ", metrics.Select(m => $"{m.Key}={m.Value.ToString("0.####", CultureInfo.InvariantCulture)}"));
}
