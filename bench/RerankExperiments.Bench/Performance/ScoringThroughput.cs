using System.Diagnostics;
using RerankExperiments.Modeling;
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
        var pairs = data.Pairs.Take(@case.Examples).ToList();
        manual_seed(1);
        using var encoder = CrossEncoder.Create(@case.Size.Config(), tokenizer, tokenizerDirectory);
        var reranker = new Reranker(encoder, new RerankerOptions(BatchSize: BatchSize, MaxLength: TrainingThroughput.MaxLength));
        reranker.Score(pairs.Skip(pairs.Count - BatchSize).ToList());

        var clock = Stopwatch.StartNew();
        if (@case.Grouped) reranker.Score(pairs);
        else
            foreach (var batch in pairs.Chunk(BatchSize)) reranker.Score(batch);
        double seconds = clock.Elapsed.TotalSeconds;

        var lengths = tokenizer.EncodeBatch(pairs.Select(p => new TextInput(p.Query, p.Passage)).ToList(), new TruncationOptions(TrainingThroughput.MaxLength))
            .Select(e => e.Length).ToArray();
        var order = @case.Grouped ? BatchShapes.LongestFirst(lengths) : Enumerable.Range(0, lengths.Length).ToArray();
        var shapes = BatchShapes.Of(BatchShapes.Consecutive(order, BatchSize), lengths, ModelFlops.Of(@case.Size));
        return new Dictionary<string, double>
        {
            ["pairs"] = pairs.Count,
            ["seconds"] = seconds,
            ["useful_tokens"] = shapes.UsefulTokens,
            ["computed_tokens"] = shapes.ComputedTokens,
            ["useful_flops"] = shapes.UsefulForwardFlops,
            ["computed_flops"] = shapes.ComputedForwardFlops,
        };
    }
}
