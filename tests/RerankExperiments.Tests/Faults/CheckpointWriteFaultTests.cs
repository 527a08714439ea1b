using RerankExperiments.Losses;
using RerankExperiments.Merging;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tests.Training;
using RerankExperiments.Training;
using RerankExperiments.Training.Storage;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// A write that runs out of space (a real ENOSPC on a small tmpfs) never corrupts what was there: the previous
/// checkpoint, the final model and the merged model stay complete and load; nothing half-written is picked up; and
/// a rerun after freeing space resumes (issue 11).
/// </summary>
[Trait("Category", "Faults")]
public sealed class CheckpointWriteFaultTests
{
    static TrainingOptions Options(string directory) => new()
    {
        OutputDir = directory, MaxSteps = 4, SaveSteps = 2, BatchSize = 4, GroupSize = 3, LearningRate = 1e-3, LoggingSteps = 1, Seed = 5,
    };

    [Fact]
    public void A_full_disk_at_the_second_checkpoint_keeps_the_first_and_a_rerun_after_freeing_space_resumes()
    {
        var train = TinyRerankTask.Examples(16, groupSize: 4, seed: 3);
        var loss = new ListwiseCrossEntropyLoss(3);
        using var reference = new TemporaryDirectory();
        using var straight = TinyRerankTask.Model(seed: 1);
        new CrossEncoderTrainer().Train(straight, train, loss, [], Options(reference.Path));
        string referenceFirst = Path.Combine(reference.Path, "checkpoint-2");
        long checkpointBytes = FaultFolders.Bytes(referenceFirst);

        // Room for one checkpoint and a half: the second one hits ENOSPC part-way.
        using var mount = new TmpfsMount(checkpointBytes * 3 / 2 + (64 << 10));
        using var interrupted = TinyRerankTask.Model(seed: 1);
        var error = Assert.Throws<OutputFolderException>(() => new CrossEncoderTrainer().Train(interrupted, train, loss, [], Options(mount.Path)));

        string first = Path.Combine(mount.Path, "checkpoint-2");
        Assert.Contains("Checkpoint checkpoint-4 could not be saved", error.Message);
        Assert.Contains("No space left on device", error.Message);
        Assert.Contains($"The newest complete checkpoint, {first}, is intact", error.Message);
        Assert.Contains("Free space in", error.Message);
        Assert.Contains("save_total_limit", error.Message);
        Assert.Equal([first], Checkpoints.List(mount.Path).Select(c => c.Path));
        Assert.Equal([first], Directory.GetFileSystemEntries(mount.Path));
        Assert.Equal(FaultFolders.Contents(Path.Combine(referenceFirst, Checkpoints.ModelFolder)), FaultFolders.Contents(Path.Combine(first, Checkpoints.ModelFolder)));
        using (var loaded = CrossEncoder.Load(Path.Combine(first, Checkpoints.ModelFolder)))
        using (var expected = CrossEncoder.Load(Path.Combine(referenceFirst, Checkpoints.ModelFolder)))
            Assert.Equal(0.0, TrainerResumeTests.MaxDifference(expected, loaded));

        // Space freed: a rerun from a differently initialised model resumes at step 2 and ends as the straight run.
        mount.Remount(checkpointBytes * 4);
        using var resumed = TinyRerankTask.Model(seed: 99);
        var result = new CrossEncoderTrainer().Train(resumed, train, loss, [], Options(mount.Path), resumeFrom: "latest");
        Assert.Equal(4, result.GlobalSteps);
        double difference = TrainerResumeTests.MaxDifference(straight, resumed);
        Assert.True(difference <= 1e-6, $"parameters differ by {difference}");
        Assert.Equal([2L, 4L], Checkpoints.List(mount.Path).Select(c => c.Step));
    }

    [Fact]
    public void A_full_disk_while_saving_the_final_model_leaves_the_earlier_model_untouched()
    {
        using var model = TinyRerankTask.Model(seed: 1);
        using var reference = new TemporaryDirectory();
        model.Save(reference.File("model"));
        long modelBytes = FaultFolders.Bytes(reference.File("model"));

        using var mount = new TmpfsMount(modelBytes * 3 / 2 + (32 << 10));
        string destination = mount.File("model");
        model.Save(destination);
        var saved = FaultFolders.Contents(destination);

        using var other = TinyRerankTask.Model(seed: 2);
        var error = Assert.Throws<IOException>(() => other.Save(destination));

        Assert.Contains($"{destination} could not be written", error.Message);
        Assert.Contains("No space left on device", error.Message);
        Assert.Contains($"the earlier {destination} is untouched", error.Message);
        Assert.Equal(["model"], Directory.GetFileSystemEntries(mount.Path).Select(Path.GetFileName));
        Assert.Equal(saved, FaultFolders.Contents(destination));
        using var loaded = CrossEncoder.Load(destination);
        Assert.Equal(0.0, TrainerResumeTests.MaxDifference(model, loaded));
    }

    [Fact]
    public void A_full_disk_while_writing_the_merged_model_leaves_the_earlier_merge_untouched()
    {
        using var models = new TemporaryDirectory();
        using (var a = TinyRerankTask.Model(seed: 1)) a.Save(models.File("a"));
        using (var b = TinyRerankTask.Model(seed: 2)) b.Save(models.File("b"));
        long modelBytes = FaultFolders.Bytes(models.File("a"));

        using var mount = new TmpfsMount(modelBytes * 3 / 2 + (32 << 10));
        string merged = mount.File("merged");
        new ModelMerger().Merge([models.File("a"), models.File("b")], [0.5, 0.5], merged);
        var before = FaultFolders.Contents(merged);

        var error = Assert.Throws<IOException>(() => new ModelMerger().Merge([models.File("a"), models.File("b")], [0.9, 0.1], merged));

        Assert.Contains("No space left on device", error.ToString());
        Assert.Equal(["merged"], Directory.GetFileSystemEntries(mount.Path).Select(Path.GetFileName));
        Assert.Equal(before, FaultFolders.Contents(merged));
        using var loaded = CrossEncoder.Load(merged);
    }
}
