using RerankExperiments.Cli.Commands;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Experiments;

/// <summary>Every experiments/*.yml validates, as `dotnet build -t:ValidateExperiments` checks (relative paths from the repository root).</summary>
public sealed class ShippedExperimentsTests
{
    [Fact]
    public void Every_shipped_experiment_validates()
    {
        string root = Fixtures.RepositoryRoot();
        var files = Directory.GetFiles(Path.Combine(root, "experiments"), "*.yml").Order().ToList();
        Assert.NotEmpty(files);
        string previous = Environment.CurrentDirectory;
        var output = new StringWriter();
        var errors = new StringWriter();
        try
        {
            Environment.CurrentDirectory = root;
            int exit = ValidateCommand.Run(files, [], _ => null, output, errors);
            Assert.True(exit == 0, errors.ToString());
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
        Assert.Equal(files.Count, output.ToString().Split('\n').Count(l => l.Contains(": valid,", StringComparison.Ordinal)));
    }
}
