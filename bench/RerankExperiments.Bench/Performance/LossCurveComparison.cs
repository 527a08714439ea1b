using RerankExperiments.Modeling;
using RerankExperiments.Tokenization;
using RerankExperiments.Training;
using static TorchSharp.torch;

namespace RerankExperiments.Bench.Performance;

/// <summary>
/// Does length grouping cost model quality? The quickstart-sized model (cheap enough to train many steps here) is
/// trained for one epoch over the first <c>Examples</c> quickstart pairs — batch 16, max_length 256, BCE, lr 1e-3 (the
/// quickstart's), 10 % warm-up —
/// with length-grouped or random batches, from three seeds each (the seed sets the initial weights and the data
/// order), and evaluated every 100 steps on 1,000 held-out pairs (the last of the 12,000): held-out BCE and accuracy.
/// </summary>
public static class LossCurveComparison
{
    public const int HeldOut = 1000;
    public const int EvalEvery = 100;
    public static readonly long[] Seeds = [1, 2, 3];

    public static Dictionary<string, double> Run(PerformanceCase @case, QuickstartData data, Tokenizer tokenizer, string tokenizerDirectory)
    {
        var train = data.Examples.Take(@case.Examples).ToList();
        var heldOut = new HeldOutLossEvaluator(data.Examples.Skip(data.Examples.Count - HeldOut).ToList());
        var results = new Dictionary<string, double>();
        foreach (long seed in Seeds)
        {
            manual_seed(seed);
            using var encoder = CrossEncoder.Create(@case.Size.Config(), tokenizer, tokenizerDirectory);
            var options = TrainingThroughput.Options(@case.Grouped, steps: -1) with { Seed = seed, LearningRate = 1e-3, EvalSteps = EvalEvery, EvalBatchSize = 64 };
            var result = TrainingThroughput.Train(encoder, train, options, new NoCallback(), [heldOut]);
            foreach (var entry in result.LogHistory.Where(e => e.Kind == "eval"))
                foreach (var (key, value) in entry.Values)
                    results[$"{key}@{entry.Step}#{seed}"] = value;
        }
        return results;
    }

    sealed class NoCallback : ITrainingCallback;
}
