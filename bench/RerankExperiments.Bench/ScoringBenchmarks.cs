using System.Diagnostics;
using RerankExperiments.Modeling;
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
    static readonly (BenchModels.Size Size, int Pairs)[] Models = [(BenchModels.MiniLm, 256), (BenchModels.BertBase, 64)];

    public static void Run(string root, TextWriter output)
    {
        torch.set_num_threads(Environment.ProcessorCount);
        var tokenizer = BenchModels.Tokenizer(root);
        var allPairs = BenchModels.Pairs(root);

        output.WriteLine("| model | batches | pairs | pairs/s | tokens/s (real) |");
        output.WriteLine("|---|---|---:|---:|---:|");
        foreach (var (size, count) in Models)
        {
            manual_seed(1);
            string name = size.Name;
            using var encoder = CrossEncoder.Create(size.Config(), tokenizer, BenchModels.TokenizerDirectory(root));
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
