using System.Diagnostics;
using System.Text.Json;
using RerankExperiments.Data;
using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Bench;

/// <summary>
/// Training throughput on this CPU (fp32, all cores) of randomly initialised MiniLM-L6-sized and BERT-base-sized
/// BERT cross-encoders through the real trainer (tokenization, collation, forward, BCE loss, backward, clipping,
/// flat AdamW, schedule) on the benchmark pairs at max_length 256, 16 pairs per step. The first step (warm-up) is
/// excluded: pairs/s = pairs of the timed steps / their time.
/// </summary>
public static class TrainingBenchmarks
{
    static readonly (string Name, int Layers, int Hidden, int Heads, int Intermediate, int Steps)[] Models =
    [
        ("MiniLM-L6 (22.7 M)", 6, 384, 12, 1536, 8),
        ("BERT-base (109 M)", 12, 768, 12, 3072, 4),
    ];

    public static void Run(string root, TextWriter output)
    {
        torch.set_num_threads(Environment.ProcessorCount);
        string tokenizerDirectory = Path.Combine(root, "tests", "RerankExperiments.Tests", "fixtures", "hf", "bert-tiny");
        var tokenizer = TokenizerLoader.Load(tokenizerDirectory);
        var examples = File.ReadLines(Path.Combine(root, "bench", "tokenizers", "bench_pairs.jsonl")).Select((line, i) =>
        {
            using var row = JsonDocument.Parse(line);
            // One labelled pair per example (BCE): alternate positives and negatives.
            return new RankingExample(row.RootElement.GetProperty("query").GetString()!, [row.RootElement.GetProperty("passage").GetString()!], [i % 2]);
        }).ToList();

        output.WriteLine("| model | steps timed | pairs/step | seconds/step | pairs/s |");
        output.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (name, layers, hidden, heads, intermediate, steps) in Models)
        {
            manual_seed(1);
            var config = ModelConfig.FromFields("bert", new Dictionary<string, object>
            {
                ["vocab_size"] = 30522, ["hidden_size"] = hidden, ["num_hidden_layers"] = layers, ["num_attention_heads"] = heads,
                ["intermediate_size"] = intermediate, ["max_position_embeddings"] = 512, ["type_vocab_size"] = 2, ["hidden_act"] = "gelu",
                ["layer_norm_eps"] = 1e-12, ["pad_token_id"] = 0, ["initializer_range"] = 0.02,
            });
            using var encoder = CrossEncoder.Create(config, tokenizer, tokenizerDirectory);
            string outputDir = Path.Combine(Path.GetTempPath(), "rerank-bench-train-" + Guid.NewGuid().ToString("N"));
            var timing = new StepTimer();
            var options = new TrainingOptions
            {
                OutputDir = outputDir, MaxSteps = steps + 1, BatchSize = 16, LearningRate = 2e-5, MaxLength = 256,
                SaveSteps = 0, LoggingSteps = 1000, Seed = 1,
            };
            try
            {
                new CrossEncoderTrainer().Train(encoder, examples, new BinaryCrossEntropyLoss(), [], options, timing);
            }
            finally
            {
                if (Directory.Exists(outputDir)) Directory.Delete(outputDir, recursive: true);
            }
            double seconds = timing.SecondsAfterFirstStep / steps;
            output.WriteLine($"| {name} | {steps} | 16 | {seconds:F2} | {16 / seconds:F1} |");
        }
    }

    /// <summary>Times the steps after the first.</summary>
    sealed class StepTimer : ITrainingCallback
    {
        readonly Stopwatch _clock = new();

        public double SecondsAfterFirstStep => _clock.Elapsed.TotalSeconds;

        public void OnStepEnd(long step, long totalSteps)
        {
            if (step == 1) _clock.Restart();
            else if (step == totalSteps) _clock.Stop();
        }
    }
}
