using System.Diagnostics;
using RerankExperiments.Data;
using RerankExperiments.Losses;
using RerankExperiments.Modeling;
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
    static readonly (BenchModels.Size Size, int Steps)[] Models = [(BenchModels.MiniLm, 8), (BenchModels.BertBase, 4)];

    public static void Run(string root, TextWriter output)
    {
        torch.set_num_threads(Environment.ProcessorCount);
        var tokenizer = BenchModels.Tokenizer(root);
        // One labelled pair per example (BCE): alternate positives and negatives.
        var examples = BenchModels.Pairs(root).Select((pair, i) => new RankingExample(pair.Query, [pair.Passage], [i % 2])).ToList();

        output.WriteLine("| model | steps timed | pairs/step | seconds/step | pairs/s |");
        output.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (size, steps) in Models)
        {
            manual_seed(1);
            string name = size.Name;
            using var encoder = CrossEncoder.Create(size.Config(), tokenizer, BenchModels.TokenizerDirectory(root));
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
