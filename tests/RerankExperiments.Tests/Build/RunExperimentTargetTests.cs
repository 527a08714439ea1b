using System.Diagnostics;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Tests.Experiments;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Build;

/// <summary>
/// `dotnet build -t:RunExperiment -p:Experiment=… -p:Set=…` end to end: a 2×2 grid sweep of the bert-tiny fixture
/// finishes on CPU with one parent and four child runs carrying params and per-step metrics; building again skips all
/// four; a configuration error fails the build naming exit code 2.
/// </summary>
public sealed class RunExperimentTargetTests : IDisposable
{
    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    static (int Exit, string Output) DotnetBuild(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Fixtures.RepositoryRoot() };
        start.ArgumentList.Add("build");
        start.ArgumentList.Add(Path.Combine(Fixtures.RepositoryRoot(), "RerankExperiments.sln"));
        start.ArgumentList.Add("-t:RunExperiment");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // The test host's MSBuild variables must not leak into the child build.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath" }) start.Environment.Remove(name);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    [Fact]
    public void Grid_sweep_through_msbuild_then_resume_then_a_config_error()
    {
        string store = Path.Combine(_fixture.Root, "runs");
        string file = _fixture.Write(_fixture.ValidYaml(
            $"tracking:\n  uri: {store}\n  experiment: msbuild-grid\nsweep:\n  parameters:\n    training.learning_rate: [1.0e-4, 3.0e-4]\n    loss.name: [listwise-ce, bce]"));

        var (exit, output) = DotnetBuild($"-p:Experiment={file}", "-p:Set=\"training.seed=3;training.warmup_ratio=0.2\"");
        Assert.True(exit == 0, output);
        var tracking = new FileTrackingStore(store);
        string experiment = tracking.GetOrCreateExperiment("msbuild-grid");
        var runs = tracking.FindRuns(experiment, new Dictionary<string, string>());
        var parent = Assert.Single(runs, r => r.Tags.GetValueOrDefault(RunTags.Kind) == "sweep");
        var children = runs.Where(r => r.ParentRunId == parent.RunId).ToList();
        Assert.Equal(4, children.Count);
        Assert.All(children, c =>
        {
            Assert.Equal(RunStatus.Finished, c.Status);
            Assert.Equal("3", c.Params["training.seed"]);
            Assert.Equal("0.2", c.Params["training.warmup_ratio"]);
            Assert.Equal([1L, 2L], tracking.GetMetricHistory(c.RunId, "loss").Select(p => p.Step));
        });

        var (again, secondOutput) = DotnetBuild($"-p:Experiment={file}", "-p:Set=\"training.seed=3;training.warmup_ratio=0.2\"");
        Assert.True(again == 0, secondOutput);
        Assert.Equal(4, secondOutput.Split('\n').Count(l => l.Contains("skipped (finished before)", StringComparison.Ordinal)));
        Assert.Equal(5, tracking.FindRuns(experiment, new Dictionary<string, string>()).Count);

        var (failed, failedOutput) = DotnetBuild($"-p:Experiment={file}", "-p:Set=training.batch_size=0");
        Assert.NotEqual(0, failed);
        Assert.Contains("training.batch_size: is 0; must be ≥ 1", failedOutput);
        Assert.Contains("exited with code 2", failedOutput);
    }
}
