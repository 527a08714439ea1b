using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Bench.Performance;

/// <summary>
/// This CPU's fp32 matrix-product rate: the limit the model benchmarks are a fraction of. Square 1024² products,
/// and the products a BERT layer runs on a batch of 16 × 256 tokens: per linear layer y = x·Wᵀ (forward), dx = dy·W
/// and dW = dyᵀ·x (backward), each written in place into a preallocated output (no allocation in the figure).
/// </summary>
public static class GemmLimits
{
    public sealed record Row(string Shape, double GigaFlopsPerSecond);

    /// <summary>1024×1024 by 1024×1024, 2·n³ FLOP per call.</summary>
    public static double Square1024() => Rate(1024, 1024, 1024, transposeA: false, transposeB: false);

    /// <summary>
    /// The model's own products at <paramref name="tokens"/> tokens, forward and backward, for the two weight shapes
    /// of a layer (H×H attention projections, H×I and I×H feed-forward); the last row is their FLOP-weighted mix
    /// (total FLOP / total time, the projections counted four times as a layer has four).
    /// </summary>
    public static IReadOnlyList<Row> ModelShapes(BenchModels.Size size, int tokens)
    {
        int h = size.Hidden, i = size.Intermediate;
        var rows = new List<Row>();
        double flops = 0, seconds = 0;
        foreach (var (outputs, inputs, count) in new[] { (h, h, 4), (i, h, 1), (h, i, 1) })
        {
            foreach (var (label, m, k, n, transposeA, transposeB) in new[]
            {
                ($"y[{tokens}×{outputs}] = x[{tokens}×{inputs}]·Wᵀ", tokens, inputs, outputs, false, true),
                ($"dx[{tokens}×{inputs}] = dy[{tokens}×{outputs}]·W", tokens, outputs, inputs, false, false),
                ($"dW[{outputs}×{inputs}] = dyᵀ·x", outputs, tokens, inputs, true, false),
            })
            {
                double rate = Rate(m, k, n, transposeA, transposeB);
                rows.Add(new Row(label, rate));
                double callFlops = 2.0 * m * k * n * count;
                flops += callFlops;
                seconds += callFlops / (rate * 1e9);
            }
        }
        rows.Add(new Row("mix of a layer's products (forward + backward)", flops / seconds / 1e9));
        return rows;
    }

    /// <summary>GFLOP/s of c[m×n] = a[m×k]·b[k×n], a or b given as the transposed view of a stored matrix when asked (as autograd passes them).</summary>
    static double Rate(int m, int k, int n, bool transposeA, bool transposeB)
    {
        using var scope = NewDisposeScope();
        var a = transposeA ? randn(k, m).t() : randn(m, k);
        var b = transposeB ? randn(n, k).t() : randn(k, n);
        var c = empty(m, n);
        double flops = 2.0 * m * k * n;
        int calls = Math.Max(1, (int)(2e9 / flops));
        double seconds = Measurement.SecondsPerCall(() => c.addmm_(a, b, beta: 0), calls, rounds: 5, warmupCalls: 2);
        return flops / seconds / 1e9;
    }
}
