using System.CommandLine;
using RerankExperiments.Experiments.Running;
using Serilog;

namespace RerankExperiments.Cli.Commands;

/// <summary>The experiment file argument, --set overrides and --base-dir shared by `rerank run`, `rerank validate` and `rerank sweep`.</summary>
public static class ExperimentArguments
{
    public const string DefaultExperiment = "experiments/quickstart.yml";

    public static Option<string[]> Overrides() => new("--set")
    {
        Description = "Override a setting: --set training.learning_rate=3e-5 (repeatable; the value is read as YAML).",
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
    };

    /// <summary>--base-dir: where the experiment's relative paths (data, output.dir, a local tracking store, the mining cache) are read from.</summary>
    public static Option<string?> BaseDirectory() => new("--base-dir")
    {
        Description = "Read the experiment's relative paths (data, output.dir, a local tracking store, runs/cache) from this folder instead of the current one (sweep jobs run in their own folders).",
    };

    /// <summary>The runner's options for a base directory (null: the current directory): the mining cache and source info live there.</summary>
    public static RunnerOptions RunnerOptions(string? baseDirectory, string sourceName) => new(
        SourceName: sourceName,
        CacheDirectory: Path.Combine(baseDirectory ?? ".", "runs", "cache"),
        WorkingDirectory: baseDirectory ?? ".");

    /// <summary>The runner's log: timestamped lines on stderr (stdout keeps the summary and machine-readable output).</summary>
    public static Serilog.Core.Logger ConsoleLog() => new Serilog.LoggerConfiguration()
        .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}", formatProvider: System.Globalization.CultureInfo.InvariantCulture,
            standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose)
        .CreateLogger();

    /// <summary>Writes every configuration error, one per line, as file:line:column: setting: message.</summary>
    public static int ReportConfigErrors(Experiments.Config.ExperimentConfigException error, TextWriter errors)
    {
        foreach (var problem in error.Errors) errors.WriteLine($"error: {problem}");
        errors.WriteLine($"{error.Errors.Count} problem(s); nothing was run.");
        return 2;
    }
}
