using RerankExperiments.Data;
using RerankExperiments.Losses;

namespace RerankExperiments.Tests.Losses;

internal static class LossCheck
{
    /// <summary>Runs loss + backward from zeroed gradients; the loss must be a 0-d tensor.</summary>
    public static (double Value, double[] Gradient) Run(IRankingLoss loss, IReadOnlyList<RankingExample> batch, TableScorer scorer)
    {
        scorer.ZeroGrad();
        using var value = loss.Compute(batch, scorer);
        Assert.Empty(value.shape);
        value.backward();
        return (value.item<float>(), scorer.Gradient());
    }

    /// <summary>|actual − expected| ≤ 1e-5·|expected| + absolute (float32 arithmetic against float64 expectations).</summary>
    public static void Close(double expected, double actual, string what, double absolute = 1e-6) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Abs(expected) + absolute, $"{what}: expected {expected:R}, got {actual:R}");

    /// <summary>Checks the gradient of every table entry: the listed pairs against their expectations, all others 0.</summary>
    public static void Gradient(TableScorer scorer, double[] actual, Dictionary<(string, string), double> expected)
    {
        foreach (var ((q, p), g) in expected) Close(g, scorer.GradientOf(actual, q, p), $"∂loss/∂s({q}, {p})");
        Close(expected.Values.Sum(Math.Abs), actual.Sum(Math.Abs), "Σ|gradient| (no other entry has a gradient)");
    }

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static double[] Softmax(IReadOnlyList<double> x)
    {
        double max = x.Max();
        double[] e = x.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    public static void Add(Dictionary<(string, string), double> gradient, string q, string p, double g) =>
        gradient[(q, p)] = gradient.GetValueOrDefault((q, p)) + g;
}
