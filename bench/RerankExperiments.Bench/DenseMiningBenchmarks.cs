using System.Diagnostics;
using RerankExperiments.Mining;
using RerankExperiments.Torch.Safetensors;
using static TorchSharp.torch;

namespace RerankExperiments.Bench;

/// <summary>
/// Dense retrieval for mining on CPU: exact top-k (<see cref="ExactTopK"/>, chunks of 16,384 passages, query blocks
/// of 1,024, k = 32) of random unit vectors, reported as scores/s (q·N per second) and GFLOP/s (2·q·N·d per
/// second, the matrix products alone); and StaticEmbedding encoding (bert-tiny's WordPiece tokenizer, a random
/// [3000, 256] table) of synthetic passages, tokenization included.
/// </summary>
public static class DenseMiningBenchmarks
{
    public static void Run(string root, TextWriter output, int corpus = 100_000)
    {
        output.WriteLine();
        output.WriteLine("| dense step | value | unit |");
        output.WriteLine("|---|---:|---|");
        output.WriteLine($"| torch threads | {get_num_threads()} | |");
        foreach (var (queries, dim) in new[] { (10_000, 256), (2_000, 1024) })
        {
            manual_seed(5);
            using var q = EmbeddingMath.Normalize(randn([queries, dim]));
            using var p = EmbeddingMath.Normalize(randn([corpus, dim]));
            var clock = Stopwatch.StartNew();
            var hits = ExactTopK.Search(q, p, k: 32);
            double seconds = clock.Elapsed.TotalSeconds;
            double scores = (double)queries * corpus;
            output.WriteLine($"| exact top-32, {queries:N0} queries × {corpus:N0} passages × dim {dim} | {seconds:F2} | s |");
            output.WriteLine($"| … scores/s | {scores / seconds / 1e6:F0} | M scores/s |");
            output.WriteLine($"| … GFLOP/s (2·q·N·d) | {2 * scores * dim / seconds / 1e9:F1} | GFLOP/s |");
            if (hits.Length != queries || hits[0].Length != 32) throw new InvalidOperationException("unexpected result shape");
        }

        string folder = Path.Combine(Path.GetTempPath(), "rerank-bench-static-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(folder);
            File.Copy(Path.Combine(BenchModels.TokenizerDirectory(root), "tokenizer.json"), Path.Combine(folder, "tokenizer.json"));
            manual_seed(6);
            using (var table = randn([3000, 256])) SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), [new("embedding.weight", table)]);
            var (texts, _) = MiningBenchmarks.Synthetic(20_000, 1, seed: 15);
            using var encoder = StaticEmbeddingEncoder.Load(folder);
            using (encoder.Encode(texts.Take(1000).ToList())) { } // warm-up
            var clock = Stopwatch.StartNew();
            using (encoder.Encode(texts)) { }
            double seconds = clock.Elapsed.TotalSeconds;
            output.WriteLine($"| StaticEmbedding encode, {texts.Count:N0} passages of 40–80 words, dim 256 | {seconds:F2} | s |");
            output.WriteLine($"| … passages/s | {texts.Count / seconds:F0} | passages/s |");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
