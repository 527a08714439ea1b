using System.CommandLine;

namespace RerankExperiments.Cli.Commands;

/// <summary>The experiment file argument and --set overrides shared by `rerank run` and `rerank validate`.</summary>
public static class ExperimentArguments
{
    public const string DefaultExperiment = "experiments/quickstart.yml";

    public static Option<string[]> Overrides() => new("--set")
    {
        Description = "Override a setting: --set training.learning_rate=3e-5 (repeatable; the value is read as YAML).",
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
    };

    /// <summary>Writes every configuration error, one per line, as file:line:column: setting: message.</summary>
    public static int ReportConfigErrors(Experiments.Config.ExperimentConfigException error, TextWriter errors)
    {
        foreach (var problem in error.Errors) errors.WriteLine($"error: {problem}");
        errors.WriteLine($"{error.Errors.Count} problem(s); nothing was run.");
        return 2;
    }
}
