using RerankExperiments.Cli.Commands;

namespace RerankExperiments.Tests.Cli;

public sealed class TorchThreadsTests
{
    [Theory]
    [InlineData(null, 6, 6)]
    [InlineData("", 6, 6)]
    [InlineData("3", 6, 3)]
    [InlineData("0", 6, 6)]
    [InlineData("-2", 6, 6)]
    [InlineData("many", 6, 6)]
    public void The_usable_cores_unless_OMP_NUM_THREADS_says_otherwise(string? omp, int cores, int expected) =>
        Assert.Equal(expected, TorchThreads.Count(omp, cores));

    [Fact]
    public void Only_commands_that_run_models_load_libtorch_for_it()
    {
        Assert.Contains("run", TorchThreads.ModelCommands);
        Assert.Contains("train", TorchThreads.ModelCommands);
        Assert.DoesNotContain("validate", TorchThreads.ModelCommands);
        Assert.DoesNotContain("tokenize", TorchThreads.ModelCommands);
        Assert.DoesNotContain("mlflow-sync", TorchThreads.ModelCommands);
    }
}
