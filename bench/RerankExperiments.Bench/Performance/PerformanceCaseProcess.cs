using System.Diagnostics;
using System.Text.Json;
using RerankExperiments.Tokenization.Loading;
using TorchSharp;

namespace RerankExperiments.Bench.Performance;

/// <summary>
/// Runs a <see cref="PerformanceCase"/> in a child process of this benchmark (so each case's peak resident memory is
/// its own) and reads back its figures: the child prints one line "RESULT {json}" with them and its VmHWM.
/// </summary>
public static class PerformanceCaseProcess
{
    const string ResultPrefix = "RESULT ";
    public const string Verb = "performance-case";

    public static Dictionary<string, double> Run(PerformanceCase @case, string tokenizerDirectory)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        // Under `dotnet bench.dll` the entry assembly is an argument; under the apphost it is the process itself.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(typeof(PerformanceCaseProcess).Assembly.Location);
        foreach (var argument in (string[])[Verb, .. @case.Arguments, tokenizerDirectory]) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        string? result = null;
        while (process.StandardOutput.ReadLine() is { } line)
            if (line.StartsWith(ResultPrefix, StringComparison.Ordinal)) result = line[ResultPrefix.Length..];
            else Console.Error.WriteLine(line);
        process.WaitForExit();
        if (process.ExitCode != 0 || result is null)
            throw new InvalidOperationException($"Benchmark case {string.Join(' ', @case.Arguments)} failed (exit code {process.ExitCode}); its output is above.");
        return JsonSerializer.Deserialize<Dictionary<string, double>>(result)!;
    }

    /// <summary>The child's side: runs the case named by <paramref name="arguments"/> and prints its result line.</summary>
    public static int RunChild(string root, IReadOnlyList<string> arguments)
    {
        torch.set_num_threads(Environment.ProcessorCount);
        var @case = PerformanceCase.Parse(arguments);
        string tokenizerDirectory = arguments[4];
        var tokenizer = TokenizerLoader.Load(tokenizerDirectory);
        var data = QuickstartData.Load(root);
        var figures = @case.Kind switch
        {
            "training" => TrainingThroughput.Run(@case, data, tokenizer, tokenizerDirectory),
            "scoring" => ScoringThroughput.Run(@case, data, tokenizer, tokenizerDirectory),
            "ceiling" => StepCeiling.Run(data, tokenizer, tokenizerDirectory),
            _ => throw new ArgumentException($"Unknown case kind '{@case.Kind}'."),
        };
        figures["peak_rss_mib"] = Measurement.PeakResidentMiB();
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(figures));
        return 0;
    }
}
