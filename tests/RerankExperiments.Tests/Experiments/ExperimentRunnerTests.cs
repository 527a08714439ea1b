using RerankExperiments.Cli.Commands;
using RerankExperiments.Data;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Hub;
using RerankExperiments.Mining;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Experiments;

/// <summary>
/// The runner end to end on CPU: a 2×2 grid sweep of the bert-tiny fixture into a local MLflow FileStore gives one
/// parent and four child runs with params and per-step metrics; running it again skips all four.
/// </summary>
public sealed class ExperimentRunnerTests : IDisposable
{
    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    string Store => Path.Combine(_fixture.Root, "runs");

    string SweepYaml() => _fixture.ValidYaml(
        $"tracking:\n  uri: {Store}\n  experiment: grid\nsweep:\n  parameters:\n    training.learning_rate: [1.0e-4, 3.0e-4]\n    loss.name: [listwise-ce, bce]");

    (int Exit, string Output, string Errors) Run(string file, int? trial = null)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int exit = RunCommand.Run(file, [], trial, resume: true, _ => null, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }

    [Fact]
    public void Grid_sweep_logs_a_parent_and_four_children_and_a_rerun_skips_them()
    {
        string file = _fixture.Write(SweepYaml());
        var (exit, output, errors) = Run(file);
        Assert.True(exit == 0, errors);

        var store = new FileTrackingStore(Store);
        string experiment = store.GetOrCreateExperiment("grid");
        var runs = store.FindRuns(experiment, new Dictionary<string, string>());
        var parent = Assert.Single(runs, r => r.Tags.GetValueOrDefault(RunTags.Kind) == "sweep");
        var children = runs.Where(r => r.Tags.GetValueOrDefault(RunTags.Kind) == "trial").OrderBy(r => int.Parse(r.Tags[RunTags.TrialIndex])).ToList();
        Assert.Equal(4, children.Count);
        Assert.Equal(RunStatus.Finished, parent.Status);
        Assert.All(children, c =>
        {
            Assert.Equal(parent.RunId, c.ParentRunId);
            Assert.Equal(RunStatus.Finished, c.Status);
            Assert.Equal("2", c.Params["training.max_steps"]);
            Assert.Contains("eval_ndcg_at_10", c.LatestMetrics.Keys);
            Assert.Contains("baseline/eval_ndcg_at_10", c.LatestMetrics.Keys);
            var loss = store.GetMetricHistory(c.RunId, "loss");
            Assert.Equal([1L, 2L], loss.Select(p => p.Step));
        });
        Assert.Equal(["1.0e-4", "1.0e-4", "3.0e-4", "3.0e-4"], children.Select(c => c.Params["training.learning_rate"]));
        Assert.Equal(["listwise-ce", "bce", "listwise-ce", "bce"], children.Select(c => c.Params["loss.name"]));
        Assert.Equal(4, children.Select(c => c.Tags[RunTags.ConfigHash]).Distinct().Count());
        Assert.Contains("*", output);
        string artifacts = store.ArtifactDirectory(parent.RunId);
        Assert.True(File.Exists(Path.Combine(artifacts, "sweep_report.md")));
        Assert.Equal(["eval_ndcg_at_10_vs_loss_name.png", "eval_ndcg_at_10_vs_training_learning_rate.png", "loss_curves.png"],
            Directory.GetFiles(Path.Combine(artifacts, "plots")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(Directory.GetFiles(Path.Combine(artifacts, "plots")), png => PngFile.AssertValid(File.ReadAllBytes(png), 800, 500));
        Assert.Contains("](plots/loss_curves.png)", File.ReadAllText(Path.Combine(artifacts, "sweep_report.md")));
        Assert.Contains("best/eval_ndcg_at_10", store.GetRun(parent.RunId).LatestMetrics.Keys);

        var (again, secondOutput, secondErrors) = Run(file);
        Assert.True(again == 0, secondErrors);
        Assert.Equal(4, secondOutput.Split('\n').Count(l => l.Contains("skipped (finished before)", StringComparison.Ordinal)));
        var after = store.FindRuns(experiment, new Dictionary<string, string>());
        Assert.Equal(5, after.Count);
    }

    [Fact]
    public void One_trial_by_index_and_a_failed_trial_reruns()
    {
        string file = _fixture.Write(SweepYaml());
        var (exit, _, errors) = Run(file, trial: 3);
        Assert.True(exit == 0, errors);
        var store = new FileTrackingStore(Store);
        string experiment = store.GetOrCreateExperiment("grid");
        var trialRun = Assert.Single(store.FindRuns(experiment, new Dictionary<string, string> { [RunTags.Kind] = "trial" }));
        Assert.Equal("3", trialRun.Tags[RunTags.TrialIndex]);

        // A trial whose data vanished fails clearly, is marked FAILED, and the exit code says so.
        string broken = _fixture.Write(_fixture.ValidYaml($"tracking:\n  uri: {Store}\n  experiment: broken"), "broken.yml");
        var plan = RerankExperiments.Experiments.ExperimentLoader.Load(broken, null, _ => null);
        File.WriteAllText(_fixture.TrainPath, "{not json\n");
        var (failed, _, failedErrors) = Run(broken);
        Assert.Equal(1, failed);
        Assert.Contains("train.jsonl", failedErrors);
        var failedRun = Assert.Single(store.FindRuns(store.GetOrCreateExperiment("broken"), new Dictionary<string, string>()));
        Assert.Equal(RunStatus.Failed, failedRun.Status);
        Assert.Equal(plan.Trials[0].ConfigHash, failedRun.Tags[RunTags.ConfigHash]);
    }

    [Fact]
    public void Config_errors_exit_2_and_run_nothing()
    {
        string file = _fixture.Write(_fixture.ValidYaml($"tracking:\n  uri: {Store}").Replace("batch_size: 2", "batch_size: -1"));
        var (exit, _, errors) = Run(file);
        Assert.Equal(2, exit);
        Assert.Contains("exp.yml:", errors);
        Assert.Contains("training.batch_size: is -1; must be ≥ 1", errors);
        Assert.False(Directory.Exists(Store));
    }

    [Fact]
    public void Merge_step_logs_the_merged_model_as_a_child_of_the_trial()
    {
        string file = _fixture.Write(_fixture.ValidYaml($"tracking:\n  uri: {Store}\n  experiment: merged\nmerge:\n  with: base\n  weights: [0.5, 0.5]"));
        var (exit, _, errors) = Run(file);
        Assert.True(exit == 0, errors);
        var store = new FileTrackingStore(Store);
        var runs = store.FindRuns(store.GetOrCreateExperiment("merged"), new Dictionary<string, string>());
        var trial = Assert.Single(runs, r => r.Tags.GetValueOrDefault(RunTags.Kind) == "trial");
        var merged = Assert.Single(runs, r => r.Tags.GetValueOrDefault(RunTags.Kind) == "merge");
        Assert.Equal(trial.RunId, merged.ParentRunId);
        Assert.Equal("0.5, 0.5", merged.Params["merge.weights"]);
        Assert.Contains("eval_ndcg_at_10", merged.LatestMetrics.Keys);
        Assert.Contains("eval_ndcg_at_10", trial.LatestMetrics.Keys);
        Assert.Contains("baseline/eval_ndcg_at_10", trial.LatestMetrics.Keys);
    }

    /// <summary>Runs <paramref name="yaml"/> with the runner itself: mining cache under the fixture folder, runs in memory.</summary>
    ExperimentOutcome RunDirect(string yaml, InMemoryTrackingStore store, HubSettings? hub = null, bool resume = true)
    {
        var plan = ExperimentLoader.Load(_fixture.Write(yaml), null, _ => null);
        using var log = new Serilog.LoggerConfiguration().CreateLogger();
        var runner = new ExperimentRunner(store, log, TextWriter.Null, hub ?? HubSettings.FromEnvironment(_ => null),
            new RunnerOptions(Resume: resume, CacheDirectory: Path.Combine(_fixture.Root, "cache")));
        return runner.Run(plan);
    }

    [Fact]
    public void A_trial_mines_with_a_dense_model_and_the_cache_key_follows_the_model()
    {
        string model = StaticEmbeddingFixture.Write(Path.Combine(_fixture.Root, "static"));
        string yaml = _fixture.ValidYaml($"mining:\n  method: dense\n  model: {model}\n  num_negatives: 2\n  range_max: 4\n  batch_size: 3\n  eval_num_negatives: 4");
        var store = new InMemoryTrackingStore();
        var outcome = RunDirect(yaml, store);
        var trial = Assert.Single(outcome.Trials);
        Assert.True(trial.Status == RunStatus.Finished, trial.Error);
        var run = store.GetRun(trial.RunId!);
        Assert.Equal(7, run.LatestMetrics["mining/queries"]);
        Assert.Equal(14, run.LatestMetrics["mining/negatives"]);
        // The 3 held-out queries get their top 4 retrieved passages as candidates for the reranking evaluator.
        Assert.Equal(3, run.LatestMetrics["mining/eval_queries"]);
        Assert.Equal(12, run.LatestMetrics["mining/eval_negatives"]);
        Assert.Equal("dense", run.Params["mining.method"]);
        Assert.Contains(store.ArtifactsOf(trial.RunId!), a => Path.GetFileName(a.Local) == "mining_statistics.json");
        Assert.Contains(store.ArtifactsOf(trial.RunId!), a => Path.GetFileName(a.Local) == "mining_statistics_eval.json");
        Assert.Contains("eval_ndcg_at_10", run.LatestMetrics.Keys);

        // The mined scores are the static model's cosines (not BM25 scores): the dense retriever mined.
        string[] Cached() => Directory.GetFiles(Path.Combine(_fixture.Root, "cache", "mining"), "*.jsonl");
        Assert.Equal(2, Cached().Length);
        var mined = Cached().Select(f => QueryPosNegJsonl.Read(f).ToList()).Single(records => records.Count == 7);
        using (var encoder = TextEncoders.Load(model))
        {
            float[] Embed(string text)
            {
                using var row = encoder.Encode([text]);
                return row.data<float>().ToArray();
            }
            double Cosine(string a, string b) => Embed(a).Zip(Embed(b), (x, y) => (double)x * y).Sum();
            foreach (var record in mined)
            {
                Assert.Equal(2, record.Negatives.Count);
                Assert.Equal(Cosine(record.Query, record.Positives[0]), record.PositiveScores![0], 5);
                for (int i = 0; i < 2; i++) Assert.Equal(Cosine(record.Query, record.Negatives[i]), record.NegativeScores![i], 5);
            }
        }

        // Same model: the cached results are reused. A re-saved model (new write time) is another model: mined again.
        Assert.Equal(RunStatus.Finished, Assert.Single(RunDirect(yaml, store, resume: false).Trials).Status);
        Assert.Equal(2, Cached().Length);
        File.SetLastWriteTimeUtc(Path.Combine(model, "0_StaticEmbedding", "model.safetensors"), DateTime.UtcNow.AddMinutes(5));
        Assert.Equal(RunStatus.Finished, Assert.Single(RunDirect(yaml, store, resume: false).Trials).Status);
        Assert.Equal(4, Cached().Length);
    }

    [Fact]
    public void A_trial_evaluates_on_a_nanobeir_dataset_from_the_hub_reranking_its_bm25_ranking()
    {
        using var bed = new RerankExperiments.Tests.Hub.HubTestBed();
        BeirHubFixture.AddBm25(bed.Server, "sentence-transformers/NanoTiny-bm25");
        string yaml = _fixture.ValidYaml("eval:\n  - type: beir\n    path: hf:sentence-transformers/NanoTiny-bm25\n    rerank_k: 2\n  - type: reranking");
        var store = new InMemoryTrackingStore();
        var trial = Assert.Single(RunDirect(yaml, store, bed.Settings()).Trials);
        Assert.True(trial.Status == RunStatus.Finished, trial.Error);
        var metrics = store.GetRun(trial.RunId!).LatestMetrics;
        Assert.Contains("NanoTiny_R2_ndcg_at_10", metrics.Keys);
        Assert.Contains("baseline/NanoTiny_R2_ndcg_at_10", metrics.Keys);
        Assert.Contains("eval_ndcg_at_10", metrics.Keys);
        // The first stage is the dataset's ranking (d4 first), not BM25 here: q1's positive is outside its top 2.
        Assert.Equal(0.25, metrics["NanoTiny_R2_base_mrr_at_10"], 6);
    }
}
