using System.Diagnostics;
using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using RerankExperiments.Tokenization;
using RerankExperiments.Training;
using static TorchSharp.torch;

namespace RerankExperiments.Bench.Performance;

/// <summary>
/// Whether length-grouped batches change what a model learns. The same model from the same random start is trained
/// on the same quickstart pairs twice per seed — random batches and length-grouped batches, everything else equal —
/// and scored on held-out pairs every <see cref="EvalSteps"/> steps (average precision, the classification
/// evaluator's primary metric) while its training loss is logged. The model is the quickstart's own kind, a small BERT
/// from scratch with a wide initialisation and no dropout, at max_length 128, for six epochs of 5,000 pairs: what it
/// learns in minutes on two cores is the training pairs themselves (the training loss leaves ln 2 from the third epoch
/// on), not yet a matching that carries to held-out pairs (AP stays near 0.5; measured at learning rates 2e-4 to 3e-3)
/// — so the training-loss curves are the comparison that says something, the held-out curve a check.
/// </summary>
public static class GroupingQuality
{
    public static readonly BenchModels.Size Model = new("BERT 2 × 128 from scratch", 2, 128, 4, 512, Dropout: 0, InitializerRange: 0.2);
    public const int TrainPairs = 5_000;
    public const int HeldOutPairs = 1_000;
    public const int BatchSize = 16;
    public const int MaxLength = 128;
    public const int Epochs = 6;
    public const double LearningRate = 2e-4;
    public const int EvalSteps = 125;

    /// <summary>One training run's curves: held-out AP and mean training loss per <see cref="EvalSteps"/>, and its pairs/s.</summary>
    public sealed record Curve(bool Grouped, int Seed, SortedDictionary<long, double> HeldOutAp, SortedDictionary<long, double> TrainLoss, double PairsPerSecond);

    public static IReadOnlyList<Curve> Run(QuickstartData data, Tokenizer tokenizer, string tokenizerDirectory, IReadOnlyList<int> seeds)
    {
        var train = data.Examples.Take(TrainPairs).ToList();
        var heldOut = data.Examples.Skip(TrainPairs).Take(HeldOutPairs).ToList();
        var evaluator = new ClassificationEvaluator(heldOut.Select(e => (e.Query, e.Passages[0])).ToList(),
            heldOut.Select(e => (int)e.Labels[0]).ToList(), "heldout");
        var curves = new List<Curve>();
        foreach (int seed in seeds)
            foreach (bool grouped in new[] { false, true })
                curves.Add(Train(train, evaluator, tokenizer, tokenizerDirectory, seed, grouped));
        return curves;
    }

    static Curve Train(List<RankingExample> train, ClassificationEvaluator evaluator, Tokenizer tokenizer, string tokenizerDirectory, int seed, bool grouped)
    {
        manual_seed(seed); // the same start for both arms of a seed
        using var encoder = CrossEncoder.Create(Model.Config(), tokenizer, tokenizerDirectory);
        var options = new TrainingOptions
        {
            OutputDir = Path.Combine(Path.GetTempPath(), "rerank-bench-quality-" + Guid.NewGuid().ToString("N")),
            Epochs = Epochs, BatchSize = BatchSize, LearningRate = LearningRate, WarmupRatio = 0.1, MaxLength = MaxLength,
            SaveSteps = 0, LoggingSteps = EvalSteps, EvalSteps = EvalSteps, Seed = seed, LengthGrouping = grouped,
        };
        var recorder = new CurveRecorder(evaluator.PrimaryMetric);
        var clock = Stopwatch.StartNew();
        try
        {
            new CrossEncoderTrainer().Train(encoder, train, new BinaryCrossEntropyLoss(), [evaluator], options, recorder);
        }
        finally
        {
            if (Directory.Exists(options.OutputDir)) Directory.Delete(options.OutputDir, recursive: true);
        }
        // Training time alone: the evaluations' time is the same for both arms and is taken out.
        double seconds = clock.Elapsed.TotalSeconds - recorder.EvaluationSeconds;
        return new Curve(grouped, seed, recorder.HeldOutAp, recorder.TrainLoss, train.Count * (double)Epochs / seconds);
    }

    /// <summary>Records the curves and the evaluations' time: logging and evaluation share a cadence, and the log comes right before the evaluation.</summary>
    sealed class CurveRecorder(string metric) : ITrainingCallback
    {
        readonly Stopwatch _sinceLog = new();

        public SortedDictionary<long, double> HeldOutAp { get; } = [];
        public SortedDictionary<long, double> TrainLoss { get; } = [];
        public double EvaluationSeconds { get; private set; }

        public void OnLog(long step, IReadOnlyDictionary<string, double> metrics)
        {
            if (metrics.TryGetValue("loss", out double loss)) TrainLoss[step] = loss;
            _sinceLog.Restart();
        }

        public void OnEvaluate(long step, IReadOnlyDictionary<string, double> metrics)
        {
            EvaluationSeconds += _sinceLog.Elapsed.TotalSeconds;
            HeldOutAp[step] = metrics[metric];
        }
    }
}
