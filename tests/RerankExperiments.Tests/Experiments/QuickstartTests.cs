using RerankExperiments.Cli.Commands;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Hub;
using RerankExperiments.Training;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Experiments;

/// <summary>
/// The shipped quickstart (experiments/quickstart.yml over data/debian-packages) end to end, shrunk by --set to a few
/// steps: a tokenizer and BERT built from scratch, BM25 negatives, BEIR evaluation against BM25, the merge, the plot,
/// the results table — and an interrupted run resuming from its checkpoint. The full-size run is timed in bench/README.md.
/// </summary>
public sealed class QuickstartTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    static string Root => Fixtures.RepositoryRoot();

    static string Quickstart => Path.Combine(Root, "experiments", "quickstart.yml");

    /// <summary>The shipped settings, shrunk to seconds; data paths made absolute so the test needs no working directory.</summary>
    List<string> Small(params string[] more) =>
    [
        $"data.train.path={Path.Combine(Root, "data", "debian-packages", "train.jsonl")}", $"eval.0.path={Path.Combine(Root, "data", "debian-packages", "eval")}",
        "data.train.limit=200", "training.max_steps=4", "training.eval_steps=2", "training.save_steps=2", "training.batch_size=8",
        "eval.0.max_queries=20", "eval.0.rerank_k=10", "model.init.tokenizer.vocab_size=400",
        $"output.dir={Path.Combine(_directory.Path, "outputs")}", $"tracking.uri={Path.Combine(_directory.Path, "runs")}", .. more,
    ];

    string TrialFolder => Directory.GetDirectories(Path.Combine(_directory.Path, "outputs", "quickstart")).Single();

    [Fact]
    public void The_quickstart_trains_from_scratch_evaluates_against_bm25_merges_and_plots()
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int exit = RunCommand.Run(Quickstart, Small(), null, resume: true, _ => null, output, errors);
        Assert.True(exit == 0, $"{errors}{output}");

        // The table: BM25's order, the random starting model, the fine-tuned and the merged model, MRR@10 among the rows.
        var header = output.ToString().Split('\n').First(l => l.StartsWith("metric", StringComparison.Ordinal));
        Assert.Equal(["metric", "BM25", "starting", "model", "fine-tuned", "merged"], header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(output.ToString().Split('\n'), l => l.StartsWith("debian_R10_mrr@10 ", StringComparison.Ordinal));
        Assert.Contains("mlflow ui --backend-store-uri", output.ToString());

        var store = new FileTrackingStore(Path.Combine(_directory.Path, "runs"));
        var runs = store.FindRuns(store.GetOrCreateExperiment("quickstart"), new Dictionary<string, string>());
        var trial = Assert.Single(runs, r => r.Tags.GetValueOrDefault(RunTags.Kind) == "trial");
        Assert.Single(runs, r => r.Tags.GetValueOrDefault(RunTags.Kind) == "merge");
        Assert.Contains("debian_R10_base_mrr_at_10", trial.LatestMetrics.Keys);
        Assert.Contains("baseline/debian_R10_mrr_at_10", trial.LatestMetrics.Keys);
        Assert.Equal(4, trial.LatestMetrics["global_steps"]);

        // The plot of the eval metric over steps is an artifact of the run; the models are Hugging Face folders.
        string artifacts = Path.Combine(store.ArtifactDirectory(trial.RunId), "plots");
        var png = Assert.Single(Directory.GetFiles(artifacts, "*.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
        string folder = TrialFolder;
        foreach (var name in new[] { "initial", "model", "merged" })
        {
            using var model = CrossEncoder.Load(Path.Combine(folder, name));
            Assert.Equal(128, model.Config.Int("hidden_size"));
        }
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void An_interrupted_quickstart_resumes_from_its_checkpoint_with_the_same_starting_model()
    {
        var plan = ExperimentLoader.Load(Quickstart, Small(), _ => null);
        var store = new FileTrackingStore(Path.Combine(_directory.Path, "runs"));
        using var log = new Serilog.LoggerConfiguration().CreateLogger();
        ExperimentOutcome Attempt(ITrainingCallback watcher, CancellationToken cancellation) =>
            new ExperimentRunner(store, log, TextWriter.Null, HubSettings.FromEnvironment(_ => null),
                new RunnerOptions(CacheDirectory: Path.Combine(_directory.Path, "cache")), () => watcher).Run(plan, cancellation);

        // Interrupted after step 2 (Ctrl-C): the step's checkpoint is on disk and the run is KILLED.
        using var interrupt = new CancellationTokenSource();
        var first = Attempt(new StopAfter(2, interrupt), interrupt.Token);
        Assert.Equal(RunStatus.Killed, Assert.Single(first.Trials).Status);
        var initial = File.GetLastWriteTimeUtc(Path.Combine(TrialFolder, "initial", "model.safetensors"));

        // Run again: training continues from step 2 with the starting model built the first time.
        var resumed = new StopAfter(long.MaxValue, null);
        var second = Attempt(resumed, CancellationToken.None);
        Assert.Equal(RunStatus.Finished, Assert.Single(second.Trials).Status);
        Assert.Equal(2, resumed.StartStep);
        Assert.Equal(initial, File.GetLastWriteTimeUtc(Path.Combine(TrialFolder, "initial", "model.safetensors")));
        Assert.True(Directory.Exists(Path.Combine(TrialFolder, "checkpoints", "checkpoint-4")));
    }

    /// <summary>Records where training starts and cancels <paramref name="interrupt"/> after step <paramref name="step"/>.</summary>
    sealed class StopAfter(long step, CancellationTokenSource? interrupt) : ITrainingCallback
    {
        public long? StartStep { get; private set; }

        public void OnTrainBegin(long startStep, long totalSteps) => StartStep = startStep;

        public void OnStepEnd(long current, long totalSteps)
        {
            if (current >= step) interrupt?.Cancel();
        }
    }
}
