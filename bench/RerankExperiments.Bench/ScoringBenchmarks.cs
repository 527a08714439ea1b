using System.Diagnostics;
using System.Text.Json;
using RerankExperiments.Modeling;
using RerankExperiments.Tokenization.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Bench;

/// <summary>
/// Scoring throughput on this CPU (fp32, all cores) of randomly initialised MiniLM-L6-sized and BERT-base-sized
/// cross-encoders through the Reranker API — tokenization, length-sorted batches, forward, order restored — on the
/// benchmark pairs (query ~10 words, passage ~200 words) at max_length 256, batch 32. "Unsorted" runs the same
/// pairs in input order (padding every batch to its longest pair, as CrossEncoder.predict in sentence-transformers
/// v5 does) to show what length sorting saves.
/// </summary>
public static class ScoringBenchmarks
{
    static readonly (string Name, int Layers, int Hidden, int Heads, int Intermediate, int Pairs)[] Models =
    [
        ("MiniLM-L6 (22.7 M)", 6, 384, 12, 1536, 256),
        ("BERT-base (109 M)", 12, 768, 12, 3072, 64),
    ];

    public static void Run(string root, TextWriter output)
    {
        torch.set_num_threads(Environment.ProcessorCount);
        string tokenizerDirectory = Path.Combine(root, "tests", "RerankExperiments.Tests", "fixtures", "hf", "bert-tiny");
        var tokenizer = TokenizerLoader.Load(tokenizerDirectory);
        var allPairs = File.ReadLines(Path.Combine(root, "bench", "tokenizers", "bench_pairs.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return (row.RootElement.GetProperty("query").GetString()!, row.RootElement.GetProperty("passage").GetString()!);
        }).ToList();

        output.WriteLine("| model | batches | pairs | pairs/s | tokens/s (real) |");
        output.WriteLine("|---|---|---:|---:|---:|");
        foreach (var (name, layers, hidden, heads, intermediate, count) in Models)
        {
            manual_seed(1);
            var config = ModelConfig.FromFields("bert", new Dictionary<string, object>
            {
                ["vocab_size"] = 30522, ["hidden_size"] = hidden, ["num_hidden_layers"] = layers, ["num_attention_heads"] = heads,
                ["intermediate_size"] = intermediate, ["max_position_embeddings"] = 512, ["type_vocab_size"] = 2, ["hidden_act"] = "gelu",
                ["layer_norm_eps"] = 1e-12, ["pad_token_id"] = 0, ["initializer_range"] = 0.02,
            });
            using var encoder = CrossEncoder.Create(config, tokenizer, tokenizerDirectory);
            var pairs = allPairs.Take(count).ToList();
            long tokens = tokenizer.EncodeBatch(pairs.Select(p => new RerankExperiments.Tokenization.TextInput(p.Item1, p.Item2)).ToList(),
                new RerankExperiments.Tokenization.TruncationOptions(256)).Sum(e => (long)e.Length);
            var reranker = new Reranker(encoder, new RerankerOptions(BatchSize: 32, MaxLength: 256));
            reranker.Score(pairs.Take(32).ToList());
            double sorted = Time(() => reranker.Score(pairs));
            output.WriteLine($"| {name} | length-sorted | {count} | {count / sorted:F1} | {tokens / sorted:F0} |");
            double unsorted = Time(() => ScoreInInputOrder(reranker, pairs));
            output.WriteLine($"| {name} | input order | {count} | {count / unsorted:F1} | {tokens / unsorted:F0} |");
        }
    }

    /// <summary>The same pairs scored 32 at a time in input order: every batch pads to its own longest pair.</summary>
    static void ScoreInInputOrder(Reranker reranker, List<(string, string)> pairs)
    {
        for (int start = 0; start < pairs.Count; start += 32) reranker.Score(pairs.GetRange(start, Math.Min(32, pairs.Count - start)));
    }

    static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }
}
