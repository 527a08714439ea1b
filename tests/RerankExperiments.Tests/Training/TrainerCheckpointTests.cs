using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;
using RerankExperiments.Training;

namespace RerankExperiments.Tests.Training;

public sealed class TrainerCheckpointTests
{
    static readonly ListwiseCrossEntropyLoss Loss = new(3);

    sealed class CancelAt(long step, CancellationTokenSource source) : ITrainingCallback
    {
        public void OnStepEnd(long current, long totalSteps)
        {
            if (current == step) source.Cancel();
        }
    }

    static List<long> CheckpointSteps(string directory) => Checkpoints.List(directory).Select(c => c.Step).ToList();

    [Trait("Category", "Faults")]
    [Fact]
    public void Resume_latest_ignores_a_half_written_checkpoint_and_removes_it()
    {
        using var directory = new TemporaryDirectory();
        var train = TinyRerankTask.Examples(24, groupSize: 3, seed: 5);
        var options = new TrainingOptions { OutputDir = directory.Path, MaxSteps = 8, BatchSize = 4, SaveSteps = 2, LoggingSteps = 1 };
        using var model = TinyRerankTask.Model();
        using var cancellation = new CancellationTokenSource();
        var half = new CrossEncoderTrainer().Train(model, train, Loss, [], options, new CancelAt(4, cancellation), cancellationToken: cancellation.Token);
        Assert.True(half.Cancelled);
        Assert.Equal([2L, 4L], CheckpointSteps(directory.Path));

        // What a crash during the save of step 6 leaves: the temporary folder, complete or not, never the real name;
        // and a checkpoint-<step> folder without trainer_state.json is not a checkpoint either.
        string partial = Path.Combine(directory.Path, ".checkpoint-6.0123456789abcdef.partial");
        CopyDirectory(Path.Combine(directory.Path, "checkpoint-4"), partial);
        Directory.CreateDirectory(Path.Combine(directory.Path, "checkpoint-7", "model"));
        Assert.Equal(Path.Combine(directory.Path, "checkpoint-4"), Checkpoints.FindLatest(directory.Path));

        using var resumedModel = TinyRerankTask.Model(seed: 2);
        var resumed = new CrossEncoderTrainer().Train(resumedModel, train, Loss, [], options, resumeFrom: "latest");
        Assert.Equal(8, resumed.GlobalSteps);
        Assert.Equal(Enumerable.Range(1, 8).Select(s => (long)s), resumed.LogHistory.Where(e => e.Kind == "train").Select(e => e.Step));
        Assert.False(Directory.Exists(partial));
        Assert.Equal([2L, 4L, 6L, 8L], CheckpointSteps(directory.Path));
    }

    [Fact]
    public void Save_total_limit_keeps_the_best_checkpoint_and_load_best_model_at_end_restores_it()
    {
        using var directory = new TemporaryDirectory();
        var train = TinyRerankTask.Examples(24, groupSize: 3, seed: 5);
        var options = new TrainingOptions
        {
            OutputDir = directory.Path, MaxSteps = 12, BatchSize = 4, LearningRate = 1e-3, EvalSteps = 2, SaveSteps = 2, SaveTotalLimit = 2,
            LoadBestModelAtEnd = true,
        };
        var saved = new List<long>();
        using var model = TinyRerankTask.Model();
        var result = new CrossEncoderTrainer().Train(model, train, Loss, [new ScriptedEvaluator(0.5, 0.9, 0.6, 0.7, 0.65, 0.6)], options, new SaveRecorder(saved));

        Assert.Equal([2L, 4L, 6L, 8L, 10L, 12L], saved);
        Assert.Equal([4L, 12L], CheckpointSteps(directory.Path));
        Assert.Equal("scripted_score", result.BestMetricName);
        Assert.Equal(0.9, result.BestMetric);
        Assert.Equal(4, result.BestStep);
        Assert.Equal(Path.Combine(directory.Path, "checkpoint-4"), result.BestCheckpoint);
        Assert.Equal(0.6, result.FinalMetrics["scripted_score"]);
        using var best = CrossEncoder.Load(Path.Combine(directory.Path, "checkpoint-4", Checkpoints.ModelFolder));
        Assert.Equal(0, TrainerResumeTests.MaxDifference(best, model));
    }

    sealed class SaveRecorder(List<long> steps) : ITrainingCallback
    {
        public void OnSave(long step, string checkpointPath)
        {
            Assert.True(File.Exists(Path.Combine(checkpointPath, TrainerState.FileName)));
            steps.Add(step);
        }
    }

    [Fact]
    public void A_new_best_off_the_save_schedule_is_saved_and_a_lower_is_better_metric_is_minimised()
    {
        using var directory = new TemporaryDirectory();
        var train = TinyRerankTask.Examples(24, groupSize: 3, seed: 5);
        var options = new TrainingOptions { OutputDir = directory.Path, MaxSteps = 6, BatchSize = 4, EvalSteps = 1, SaveSteps = 0, MetricForBestModel = "eval_scripted_score", GreaterIsBetter = false };
        using var model = TinyRerankTask.Model();
        var result = new CrossEncoderTrainer().Train(model, train, Loss, [new ScriptedEvaluator(3, 2, 2.5, 1, 4, 5)], options);
        Assert.Equal(1, result.BestMetric);
        Assert.Equal(4, result.BestStep);
        Assert.Equal([1L, 2L, 4L, 6L], CheckpointSteps(directory.Path));
    }

    [Fact]
    public void Early_stopping_stops_after_patience_evaluations_without_improvement()
    {
        using var directory = new TemporaryDirectory();
        var train = TinyRerankTask.Examples(24, groupSize: 3, seed: 5);
        var options = new TrainingOptions { OutputDir = directory.Path, MaxSteps = 20, BatchSize = 4, EvalSteps = 2, SaveSteps = 0, EarlyStoppingPatience = 2 };
        using var model = TinyRerankTask.Model();
        var console = new StringWriter();
        var result = new CrossEncoderTrainer().Train(model, train, Loss, [new ScriptedEvaluator(0.5, 0.6, 0.55, 0.6, 0.9)], options, new ConsoleProgressCallback(console));
        Assert.True(result.EarlyStopped);
        Assert.Contains("Training stopped early at step 8 (0 skipped); best scripted_score = 0.6 at step 4", console.ToString());
        Assert.Contains("[2/20", console.ToString());
        Assert.Equal(8, result.GlobalSteps);
        Assert.Equal(0.6, result.BestMetric);
        Assert.Equal(Path.Combine(directory.Path, "checkpoint-8"), result.LastCheckpoint);
        Assert.Equal([2L, 4L, 8L], CheckpointSteps(directory.Path));
    }

    static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var directory in Directory.EnumerateDirectories(from)) CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
    }
}
