namespace RerankExperiments.Bench.Performance;

/// <summary>Tokens and FLOPs of a sequence of batches, given each pair's token length: what was useful and what was computed.</summary>
public sealed record BatchShapes(long UsefulTokens, long ComputedTokens, double UsefulForwardFlops, double ComputedForwardFlops)
{
    public double TokenEfficiency => (double)UsefulTokens / ComputedTokens;

    public static BatchShapes Of(IEnumerable<int[]> batches, IReadOnlyList<int> lengths, ModelFlops flops)
    {
        long useful = 0, computed = 0;
        double usefulFlops = 0, computedFlops = 0;
        foreach (var batch in batches)
        {
            var batchLengths = batch.Select(i => lengths[i]).ToArray();
            useful += batchLengths.Sum();
            computed += (long)batchLengths.Length * batchLengths.Max();
            usefulFlops += flops.ForwardUseful(batchLengths);
            computedFlops += flops.ForwardComputed(batchLengths);
        }
        return new BatchShapes(useful, computed, usefulFlops, computedFlops);
    }

    /// <summary>Scoring's batches: consecutive runs of <paramref name="batchSize"/> in the given order.</summary>
    public static IEnumerable<int[]> Consecutive(IReadOnlyList<int> order, int batchSize) => order.Chunk(batchSize);

    /// <summary>The order the Reranker scores in: longest first, ties in input order.</summary>
    public static int[] LongestFirst(IReadOnlyList<int> lengths) =>
        Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ThenBy(i => i).ToArray();
}
