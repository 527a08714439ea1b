using System.Diagnostics;
using System.Text.Json;
using RerankExperiments.Bench.Performance;
using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Torch.Precision;
using RerankExperiments.Training;
using static TorchSharp.torch;

namespace RerankExperiments.Bench.Gpu;

/// <summary>
/// Our half of bench/gpu (see bench/gpu/README.md): on the device machine, with torch's own CUDA libraries.
/// <c>gpu prepare WORK</c> writes what both halves share — the random-init BERT-base and ModernBERT-base folders
/// (config.json, model.safetensors, tokenizer.json: transformers loads them as they are) and the quickstart pairs —
/// so ours and the PyTorch reference train and score the very same weights on the very same data. <c>gpu run WORK
/// OUT.json [--device cuda]</c> then times training (bf16 autocast-style mixed precision, flat AdamW, batch 64,
/// max_length 256, length-grouped: our default) and scoring (the model in bf16, Score API from raw text, batch 64).
/// </summary>
public static class GpuBenchmarks
{
    /// <summary>64, the reference's batch; GPU_BENCH_BATCH overrides it (a smoke test of this code on a CPU).</summary>
    static readonly int BatchSize = int.Parse(Environment.GetEnvironmentVariable("GPU_BENCH_BATCH") ?? "64");
    public const int MaxLength = 256;
    const int WarmupSteps = 3;

    static readonly (string Name, string ModelType, Dictionary<string, object> Fields, string Tokenizer)[] Models =
    [
        ("bert-base", "bert", new()
        {
            ["vocab_size"] = 30522, ["hidden_size"] = 768, ["num_hidden_layers"] = 12, ["num_attention_heads"] = 12, ["intermediate_size"] = 3072,
            ["max_position_embeddings"] = 512, ["type_vocab_size"] = 2, ["hidden_act"] = "gelu", ["pad_token_id"] = 0,
        }, "quickstart"),
        ("modernbert-base", "modernbert", new()
        {
            ["vocab_size"] = 50368, ["hidden_size"] = 768, ["num_hidden_layers"] = 22, ["num_attention_heads"] = 12, ["intermediate_size"] = 1152,
            ["max_position_embeddings"] = 8192, ["global_attn_every_n_layers"] = 3, ["local_attention"] = 128, ["hidden_activation"] = "gelu",
            ["norm_eps"] = 1e-5, ["pad_token_id"] = 0, ["classifier_pooling"] = "cls",
        }, "modernbert-fixture"),
    ];

    public static int Run(string root, IReadOnlyList<string> args)
    {
        if (args.Count >= 2 && args[0] == "prepare") return Prepare(root, Path.GetFullPath(args[1]));
        if (args.Count >= 3 && args[0] == "run")
        {
            string device = args.Count >= 5 && args[3] == "--device" ? args[4] : "cuda";
            int trainSteps = int.Parse(Environment.GetEnvironmentVariable("GPU_BENCH_TRAIN_STEPS") ?? "40");
            int scorePairs = int.Parse(Environment.GetEnvironmentVariable("GPU_BENCH_SCORE_PAIRS") ?? "8192");
            return Measure(Path.GetFullPath(args[1]), Path.GetFullPath(args[2]), new Device(device), trainSteps, scorePairs);
        }
        Console.Error.WriteLine("usage: gpu prepare WORK | gpu run WORK OUT.json [--device cuda|cpu]");
        return 2;
    }

    static int Prepare(string root, string work)
    {
        Directory.CreateDirectory(work);
        string quickstartTokenizer = QuickstartData.BuildTokenizer(root, Path.Combine(work, "tokenizers", "quickstart"));
        string modernbertTokenizer = Path.Combine(root, "tests", "RerankExperiments.Tests", "fixtures", "hf", "modernbert-cls-tiny");
        var data = QuickstartData.Load(root);
        using (var writer = new StreamWriter(Path.Combine(work, "pairs.jsonl")))
            foreach (var example in data.Examples)
                writer.WriteLine(JsonSerializer.Serialize(new { query = example.Query, passage = example.Passages[0], label = example.Labels[0] }));
        foreach (var (name, modelType, fields, tokenizerName) in Models)
        {
            string tokenizerDirectory = tokenizerName == "quickstart" ? quickstartTokenizer : modernbertTokenizer;
            manual_seed(16);
            using var encoder = CrossEncoder.Create(ModelConfig.FromFields(modelType, fields), TokenizerLoader.Load(tokenizerDirectory), tokenizerDirectory);
            encoder.Save(Path.Combine(work, "models", name));
            Console.WriteLine($"prepared {name}: {encoder.Model.parameters().Sum(p => p.numel()):N0} parameters");
        }
        return 0;
    }

    static int Measure(string work, string outputFile, Device device, int trainSteps, int scorePairs)
    {
        var data = QuickstartData.FromPairsFile(Path.Combine(work, "pairs.jsonl"));
        var results = new Dictionary<string, Dictionary<string, double>>();
        foreach (var (name, _, _, _) in Models)
        {
            string folder = Path.Combine(work, "models", name);
            var figures = new Dictionary<string, double>();
            using (var encoder = CrossEncoder.Load(folder, ScalarType.Float32, device))
                Train(encoder, data, trainSteps, figures);
            using (var encoder = CrossEncoder.Load(folder, ScalarType.BFloat16, device))
                Score(encoder, data, scorePairs, figures);
            results[name] = figures;
            Console.WriteLine($"{name}: {JsonSerializer.Serialize(figures)}");
        }
        File.WriteAllText(outputFile, JsonSerializer.Serialize(new { device = device.ToString(), results }, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    static void Train(CrossEncoder encoder, QuickstartData data, int steps, Dictionary<string, double> figures)
    {
        var examples = data.Examples.Take(BatchSize * (steps + WarmupSteps)).ToList();
        var clock = new WarmClock(WarmupSteps);
        var options = new TrainingOptions
        {
            OutputDir = Path.Combine(Path.GetTempPath(), "rerank-gpu-bench-" + Guid.NewGuid().ToString("N")),
            MaxSteps = steps + WarmupSteps, BatchSize = BatchSize, LearningRate = 2e-5, MaxLength = MaxLength, Precision = PrecisionMode.BFloat16,
            SaveSteps = 0, LoggingSteps = 1_000_000, Seed = 1, LengthGrouping = true,
        };
        try
        {
            new CrossEncoderTrainer().Train(encoder, examples, new BinaryCrossEntropyLoss(), [], options, clock);
        }
        finally
        {
            if (Directory.Exists(options.OutputDir)) Directory.Delete(options.OutputDir, recursive: true);
        }
        // The trainer reads the loss at its last step (a device sync), so the clock has stopped after the GPU finished.
        figures["train_pairs_per_second"] = BatchSize * steps / clock.Seconds;
        figures["train_steps_timed"] = steps;
        var lengths = ExampleTokenLengths.Of(examples, encoder.Tokenizer, MaxLength);
        figures["train_tokens_per_pair"] = lengths.Average();
    }

    static void Score(CrossEncoder encoder, QuickstartData data, int count, Dictionary<string, double> figures)
    {
        var pairs = data.Pairs.Take(count).ToList();
        var reranker = new Reranker(encoder, new RerankerOptions(BatchSize: BatchSize, MaxLength: MaxLength));
        reranker.Score(pairs.Take(BatchSize * 2).ToList());
        var clock = Stopwatch.StartNew();
        reranker.Score(pairs); // reads every score back to the host: the clock stops after the GPU finished
        figures["score_pairs_per_second"] = pairs.Count / clock.Elapsed.TotalSeconds;
        figures["score_pairs"] = pairs.Count;
    }

    /// <summary>Time from the end of the warm-up steps to the end of the last step.</summary>
    sealed class WarmClock(int warmupSteps) : ITrainingCallback
    {
        readonly Stopwatch _clock = new();

        public double Seconds => _clock.Elapsed.TotalSeconds;

        public void OnStepEnd(long step, long totalSteps)
        {
            if (step == warmupSteps) _clock.Restart();
            if (step == totalSteps) _clock.Stop();
        }
    }
}
