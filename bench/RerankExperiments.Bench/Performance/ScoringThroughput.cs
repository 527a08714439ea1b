using System.Diagnostics;
using RerankExperiments.Modeling;
using RerankExperiments.Training;
using RerankExperiments.Tokenization;
using static TorchSharp.torch;

namespace RerankExperiments.Bench.Performance;

/// <summary>
/// Scoring throughput through the public Score API from raw text (tokenization included) of the first
/// <c>Examples</c> quickstart pairs, batches of 32, max_length 256, fp32. Length-sorted: one Score call over all pairs,
/// which sorts them longest first. Input order: Score called on consecutive runs of 32, each padded to its own
/// longest pair — what CrossEncoder.predict does by default.
/// </summary>
public static class ScoringThroughput
{
    public const int BatchSize = 32;

    public static Dictionary<string, double> Run(PerformanceCase @case, QuickstartData data, Tokenizer tokenizer, string tokenizerDirectory)
    {
        var examples = data.Examples.Take(@case.Examples).ToList();
        var pairs = examples.Select(e => (e.Query, e.Passages[0])).ToList();
        manual_seed(1);
        using var encoder = CrossEncoder.Create(@case.Size.Config(), tokenizer, tokenizerDirectory);
        var reranker = new Reranker(encoder, new RerankerOptions(BatchSize: BatchSize, MaxLength: TrainingThroughput.MaxLength));
        reranker.Score(pairs.Skip(pairs.Count - BatchSize).ToList());

        var lengths = ExampleTokenLengths.Of(examples, tokenizer, TrainingThroughput.MaxLength);
        var order = @case.Grouped ? BatchShapes.LongestFirst(lengths) : Enumerable.Range(0, lengths.Length).ToArray();
        var batches = BatchShapes.Consecutive(order, BatchSize).ToList();
        // One Score call per batch, so each is timed against the limit of its moment: the length-sorted calls get the
        // batches one Score call over all pairs would make (it sorts longest first the same way), tokenization included.
        var limit = new AdjacentLimit();
        foreach (var batch in batches)
        {
            var batchPairs = batch.Select(i => pairs[i]).ToList();
            var clock = Stopwatch.StartNew();
            reranker.Score(batchPairs);
            limit.Record(clock.Elapsed.TotalSeconds);
        }
        var shapes = BatchShapes.Of(batches, lengths, ModelFlops.Of(@case.Size));
        var figures = new Dictionary<string, double>
        {
            ["pairs"] = pairs.Count,
            ["useful_tokens"] = shapes.UsefulTokens,
            ["computed_tokens"] = shapes.ComputedTokens,
            ["useful_flops"] = shapes.UsefulForwardFlops,
            ["computed_flops"] = shapes.ComputedForwardFlops,
        };
        limit.AddTo(figures);
        return figures;
    }
}
