namespace RerankExperiments.Mining;

/// <summary>Count, minimum, mean, median and maximum of a set of scores (all NaN when empty).</summary>
public sealed record ScoreDistribution(int Count, double Min, double Mean, double Median, double Max)
{
    public static ScoreDistribution Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return new(0, double.NaN, double.NaN, double.NaN, double.NaN);
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new(n, sorted[0], sorted.Average(), median, sorted[^1]);
    }

    public override string ToString() => Count == 0 ? "n=0" : $"n={Count} min={Min:F4} mean={Mean:F4} median={Median:F4} max={Max:F4}";
}

/// <summary>
/// What one mining run did: unique queries, queries short of <see cref="MiningOptions.NumNegatives"/> (kept with
/// fewer negatives, or dropped when <see cref="MiningOptions.DropShort"/>), candidates removed by each filter, and
/// the distributions of the positives' and the kept negatives' scores.
/// </summary>
public sealed record MiningStatistics(
    int Queries,
    int ShortQueries,
    int DroppedQueries,
    int Negatives,
    int RemovedAsPositive,
    int RemovedByMargin,
    int RemovedByMaxScore,
    int RemovedByMinScore,
    ScoreDistribution PositiveScores,
    ScoreDistribution NegativeScores,
    bool FromCache = false);

/// <summary>Mined records (query, its positives, its negatives best first, scores alongside) and their statistics.</summary>
public sealed record MiningResult(IReadOnlyList<Data.QueryPosNegRecord> Records, MiningStatistics Statistics);
