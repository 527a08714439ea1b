using System.CommandLine;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Config;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank validate FILE… [--set k=v]`: loads each experiment as `rerank run` would (extends, overrides, sweep
/// expansion, every trial's settings and files) without running anything. Exit 0 when all are valid, else 2.
/// </summary>
public static class ValidateCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("experiments") { Description = "Experiment YAML files.", Arity = ArgumentArity.OneOrMore };
        var overrides = ExperimentArguments.Overrides();
        var command = new Command("validate", "Check experiment files without running them.") { files, overrides };
        command.SetAction(result => Run(result.GetValue(files)!, result.GetValue(overrides)!, Environment.GetEnvironmentVariable, Console.Out, Console.Error));
        return command;
    }

    public static int Run(IReadOnlyList<string> files, IReadOnlyList<string> overrides, Func<string, string?> environment, TextWriter output, TextWriter errors)
    {
        int exit = 0;
        foreach (var file in files)
        {
            try
            {
                var plan = ExperimentLoader.Load(file, overrides, environment);
                output.WriteLine($"{file}: valid, {plan.Trials.Count} trial(s){(plan.Sweep is { } sweep ? $" ({sweep.Method.ToString().ToLowerInvariant()} sweep)" : "")}");
            }
            catch (ExperimentConfigException error)
            {
                ExperimentArguments.ReportConfigErrors(error, errors);
                exit = 2;
            }
        }
        return exit;
    }
}
