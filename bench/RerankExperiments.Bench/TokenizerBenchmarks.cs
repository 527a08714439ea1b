using System.Diagnostics;
using System.Text.Json;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Bench;

/// <summary>
/// Pair encoding throughput (query ~10 words, passage ~200 words, longest_first at max_length 512, special
/// tokens) of our tokenizers against Hugging Face tokenizers (its node bindings, run as a child process in the
/// same benchmark run, on the same pairs from bench/tokenizers/bench_pairs.jsonl), one thread and all cores.
/// </summary>
public static class TokenizerBenchmarks
{
    static readonly (string Name, string Folder)[] Families =
    [
        ("bert-tiny", "bert-tiny"),
        ("xlmr-tiny", "xlmr-tiny"),
        ("modernbert-cls-tiny", "modernbert-cls-tiny"),
    ];

    public static void Run(string root, TextWriter output)
    {
        var pairs = File.ReadLines(Path.Combine(root, "bench", "tokenizers", "bench_pairs.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return new TextInput(row.RootElement.GetProperty("query").GetString()!, row.RootElement.GetProperty("passage").GetString()!);
        }).ToList();
        var truncation = new TruncationOptions(512);
        var reference = RunReference(root, output);

        output.WriteLine($"| tokenizer | threads | ours pairs/s | HF tokenizers pairs/s | ours / HF |");
        output.WriteLine("|---|---|---:|---:|---:|");
        foreach (var (name, folder) in Families)
        {
            var tokenizer = TokenizerLoader.Load(Path.Combine(root, "tests", "RerankExperiments.Tests", "fixtures", "tokenizers", folder));
            tokenizer.EncodeBatch(pairs.Take(200).ToList(), truncation, maxDegreeOfParallelism: 1);
            foreach (var threads in new[] { 1, Environment.ProcessorCount })
            {
                double seconds = Measurement.SecondsPerCall(() => tokenizer.EncodeBatch(pairs, truncation, maxDegreeOfParallelism: threads), callsPerRound: 1, rounds: 5, warmupCalls: 1);
                double ours = pairs.Count / seconds;
                string label = threads == 1 ? "1" : "all";
                double? theirs = reference.TryGetValue((name, label), out var value) ? value : null;
                output.WriteLine($"| {name} | {(threads == 1 ? "1" : $"all ({threads})")} | {ours:F0} | {(theirs is { } t ? t.ToString("F0") : "n/a")} | {(theirs is { } r ? (ours / r).ToString("F2") + "×" : "n/a")} |");
            }
        }
    }

    /// <summary>Runs the node reference; its JSON lines become (tokenizer, threads) → pairs/s. Empty when node or the package is missing.</summary>
    static Dictionary<(string, string), double> RunReference(string root, TextWriter output)
    {
        var results = new Dictionary<(string, string), double>();
        string script = Path.Combine(root, "bench", "tokenizers", "hf_tokenizers_bench.mjs");
        if (!Directory.Exists(Path.Combine(root, "tools", "hf-tokenizers", "node_modules", "tokenizers")))
        {
            output.WriteLine("(HF tokenizers reference not installed: run `npm ci --prefix tools/hf-tokenizers` first.)");
            return results;
        }
        var start = new ProcessStartInfo("node", [script]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        using var process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) output.WriteLine($"(HF reference failed: {stderr.Trim()})");
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.TrimStart().StartsWith('{')) continue;
            using var row = JsonDocument.Parse(line);
            var r = row.RootElement;
            string threads = r.GetProperty("threads").ValueKind == JsonValueKind.Number ? r.GetProperty("threads").GetInt32().ToString() : r.GetProperty("threads").GetString()!;
            if (threads != "1") threads = "all";
            results[(r.GetProperty("tokenizer").GetString()!, threads)] = r.GetProperty("pairs_per_s").GetDouble();
        }
        return results;
    }
}
