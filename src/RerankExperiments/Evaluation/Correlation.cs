namespace RerankExperiments.Evaluation;

/// <summary>Correlation coefficients as scipy.stats computes them (pearsonr, spearmanr).</summary>
public static class Correlation
{
    /// <summary>
    /// Pearson's r = Σ(xᵢ − x̄)(yᵢ − ȳ) / √(Σ(xᵢ − x̄)² · Σ(yᵢ − ȳ)²), clipped to [−1, 1]; NaN when either input is
    /// constant (scipy warns and returns NaN too).
    /// </summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} values against {y.Count}.");
        if (x.Count < 2) throw new ArgumentException("Correlation needs at least two values.");
        double meanX = x.Average(), meanY = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - meanX, dy = y[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return double.NaN;
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    /// <summary>Spearman's ρ: Pearson's r of the ranks, tied values getting the mean of the ranks they span.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) => Pearson(AverageRanks(x), AverageRanks(y));

    /// <summary>1-based ranks in ascending order; a group of equal values at ranks a … b gets (a + b) / 2 each.</summary>
    public static double[] AverageRanks(IReadOnlyList<double> values)
    {
        foreach (var v in values)
            if (double.IsNaN(v)) throw new ArgumentException("A value is NaN; ranks need comparable values.", nameof(values));
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            while (end < order.Length && values[order[end]] == values[order[start]]) end++;
            double rank = (start + 1 + end) / 2.0;
            for (int j = start; j < end; j++) ranks[order[j]] = rank;
            start = end;
        }
        return ranks;
    }
}
