using RerankExperiments.Cli.Commands;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Tests.Experiments;
using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Precision;
using RerankExperiments.Tracking;
using RerankExperiments.Training;
using RerankExperiments.Training.Storage;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// A full or unwritable runs folder is found before anything is read or trained, and the error names the folder,
/// the free bytes, the estimate and what to change (issue 11).
/// </summary>
[Trait("Category", "Faults")]
public sealed class OutputFolderFaultTests : IDisposable
{
    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    string Store => Path.Combine(_fixture.Root, "runs");

    (int Exit, string Output, string Errors) Run(string yaml)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int exit = RunCommand.Run(_fixture.Write(yaml), [], null, resume: true, _ => null, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }

    [Fact]
    public void An_output_dir_under_a_regular_file_stops_the_experiment_before_any_run()
    {
        string file = Path.Combine(_fixture.Root, "not-a-folder");
        File.WriteAllText(file, "a file");
        string yaml = _fixture.ValidYaml($"tracking:\n  uri: {Store}").Replace(Path.Combine(_fixture.Root, "outputs"), Path.Combine(file, "outputs"));

        var (exit, _, errors) = Run(yaml);

        Assert.Equal(2, exit);
        Assert.Contains($"The output folder {Path.Combine(file, "outputs")} cannot be written", errors);
        Assert.Contains("output.dir", errors);
        Assert.Contains("nothing was trained", errors);
        var store = new FileTrackingStore(Store);
        Assert.Null(store.FindExperiment("tiny"));
    }

    [Fact]
    public void A_read_only_mount_is_refused_by_the_write_probe()
    {
        using var mount = new TmpfsMount(1 << 20, readOnly: true);
        var error = Assert.Throws<OutputFolderException>(() => OutputPreflight.EnsureWritable(mount.Path, OutputSettingNames.CommandLine));
        Assert.Contains(mount.Path, error.Message);
        Assert.Contains("Read-only file system", error.Message);
        Assert.Contains("--output", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(mount.Path));
    }

    [Fact]
    public void A_writable_folder_passes_the_probe_and_keeps_no_probe_file()
    {
        using var directory = new TemporaryDirectory();
        string folder = Path.Combine(directory.Path, "a", "b");
        OutputPreflight.EnsureWritable(folder, OutputSettingNames.Experiment);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public void A_runs_folder_too_small_for_the_checkpoints_fails_the_trial_before_reading_data()
    {
        using var mount = new TmpfsMount(2 << 20);
        string yaml = _fixture.ValidYaml($"tracking:\n  uri: {Store}").Replace(Path.Combine(_fixture.Root, "outputs"), mount.Path);

        var (exit, _, errors) = Run(yaml);

        Assert.Equal(1, exit);
        Assert.Contains($"The output folder {mount.Path}", errors);
        Assert.Matches(@"has [\d.]+ [KM]iB \(\d+ bytes\) free; this run needs about [\d.]+ MiB \(\d+ bytes\): 1 or more checkpoint\(s\) at once", errors);
        Assert.Contains("AdamW exp_avg and exp_avg_sq", errors);
        Assert.Contains("output.dir", errors);
        Assert.Contains("training.save_total_limit", errors);
        var store = new FileTrackingStore(Store);
        var run = Assert.Single(store.FindRuns(store.GetOrCreateExperiment("tiny"), new Dictionary<string, string>()));
        Assert.Equal(RunStatus.Failed, run.Status);
        // Nothing was read, mined or trained: no data counters, no loss, no checkpoint folder.
        Assert.DoesNotContain("data/train_examples", run.LatestMetrics.Keys);
        Assert.DoesNotContain("loss", run.LatestMetrics.Keys);
        Assert.Empty(Directory.EnumerateDirectories(mount.Path, "checkpoints", SearchOption.AllDirectories));
    }

    [Fact]
    public void Rerank_train_checks_its_output_folder_before_reading_data()
    {
        using var mount = new TmpfsMount(2 << 20);
        var errors = new StringWriter();
        var options = new TrainingOptions { OutputDir = mount.File("run"), MaxSteps = 4, SaveSteps = 1, GroupSize = 2 };
        string missingData = _fixture.Write("", "never-read.jsonl");
        File.Delete(missingData);

        int exit = TrainCommand.Run(ExperimentFixture.Model, missingData, null, "listwise-ce", options, null, false, new StringWriter(), errors);

        Assert.Equal(2, exit);
        Assert.Contains($"The output folder {mount.File("run")} has", errors.ToString());
        Assert.Contains("4 or more checkpoint(s)", errors.ToString());
        Assert.Contains("--save-total-limit", errors.ToString());
        Assert.DoesNotContain("never-read.jsonl", errors.ToString());

        string file = _fixture.Write("x", "plain-file");
        errors = new StringWriter();
        exit = TrainCommand.Run(ExperimentFixture.Model, missingData, null, "listwise-ce", options with { OutputDir = Path.Combine(file, "run") }, null, false, new StringWriter(), errors);
        Assert.Equal(2, exit);
        Assert.Contains($"The output folder {Path.Combine(file, "run")} cannot be written", errors.ToString());
    }

    [Fact]
    public void A_resumed_run_counts_what_its_folder_already_holds_as_part_of_the_estimate()
    {
        using var mount = new TmpfsMount(2 << 20);
        string folder = mount.File("trial");
        Directory.CreateDirectory(Path.Combine(folder, "checkpoints", "checkpoint-10"));
        File.WriteAllBytes(Path.Combine(folder, "checkpoints", "checkpoint-10", "model.safetensors"), new byte[1_500_000]);
        OutputSpaceEstimate Needing(long bytes) => new(new ModelWeights(StoredBytes: bytes, ParameterCount: 0), false, 1, false, 0);

        // About 0.5 MiB is free, but the 1.5 MB an earlier attempt wrote is part of what the run will hold.
        OutputPreflight.EnsureSpace(folder, Needing(1_800_000), OutputSettingNames.Experiment);
        var error = Assert.Throws<OutputFolderException>(() => OutputPreflight.EnsureSpace(folder, Needing(2_500_000), OutputSettingNames.Experiment));
        Assert.Contains("and holds 1.4 MiB (1500000 bytes) of checkpoints and models from an earlier attempt; this run needs about 2.4 MiB (2500000 bytes)", error.Message);
    }

    [Fact]
    public void The_estimate_counts_checkpoints_kept_at_once_and_optimizer_state()
    {
        var weights = new ModelWeights(StoredBytes: 1000, ParameterCount: 250);
        var limited = OutputSpaceEstimate.For(weights, new TrainingOptions { SaveTotalLimit = 2, Precision = PrecisionMode.BFloat16 }, modelCopies: 2);
        Assert.Equal(1000 + 2 * 1000 + 1000, limited.CheckpointBytes);
        Assert.Equal(3 * 4000 + 2 * 1000, limited.TotalBytes);
        Assert.False(limited.CheckpointCountIsMinimum);
        var unlimited = OutputSpaceEstimate.For(weights, new TrainingOptions { MaxSteps = 1000, SaveSteps = 300 }, modelCopies: 0);
        Assert.Equal(4, unlimited.CheckpointsAtOnce);
        Assert.Equal(4 * 3000, unlimited.TotalBytes);
        Assert.Contains("4 or more checkpoint(s)", unlimited.Describe());
        var model = ModelWeights.Measure(ExperimentFixture.Model);
        long file = new FileInfo(Path.Combine(ExperimentFixture.Model, "model.safetensors")).Length;
        Assert.InRange(model.StoredBytes, file - 20_000, file);
        Assert.True(model.ParameterCount * 4 <= model.StoredBytes);
    }
}
