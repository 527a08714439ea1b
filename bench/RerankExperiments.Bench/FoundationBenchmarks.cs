using RerankExperiments.Torch.Layers;
using RerankExperiments.Torch.Optimization;
using RerankExperiments.Torch.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RerankExperiments.Bench;

/// <summary>
/// The foundation's figures: this CPU's fp32 matmul limit (the reference for all later performance work), the
/// fixed cost of one small TorchSharp call, and the flat AdamW against TorchSharp's per-parameter AdamW on a
/// BERT-base-sized parameter set.
/// </summary>
public static class FoundationBenchmarks
{
    public static void Run(TextWriter output)
    {
        output.WriteLine("| benchmark | figure | unit |");
        output.WriteLine("|---|---:|---|");
        MatmulLimit(output);
        SmallOpOverhead(output);
        AttentionDropout(output);
        QkvProjections(output);
        if (Environment.GetEnvironmentVariable("BENCH_SKIP_ADAMW") is null) AdamWSteps(output);
    }

    static void MatmulLimit(TextWriter output)
    {
        foreach (int n in new[] { 1024, 2048 })
        {
            using var a = randn(n, n);
            using var b = randn(n, n);
            using var c = zeros(n, n);
            // In place (c ← a·b with beta 0): no 4–16 MB allocation and page faults per call in the figure.
            double seconds = Measurement.SecondsPerCall(() => c.addmm_(a, b, beta: 0, alpha: 1), callsPerRound: n == 1024 ? 30 : 4, warmupCalls: 10);
            output.WriteLine($"| fp32 matmul {n}×{n}×{n} | {2.0 * n * n * n / seconds / 1e9:F1} | GFLOP/s |");
        }
    }

    static void SmallOpOverhead(TextWriter output)
    {
        using var x = randn(16);
        using var y = randn(16);
        using var m = randn(8, 8);
        var cases = new (string Name, Action Op)[]
        {
            ("x + y (16 elements, new tensor, disposed)", () => { using var z = x.add(y); }),
            ("x.add_(y) in place", () => x.add_(y, 1e-9)),
            ("8×8 mm (new tensor, disposed)", () => { using var z = m.mm(m); }),
            ("gelu (16 elements, disposed)", () => { using var z = nn.functional.gelu(x); }),
            ("dispose scope with 3 ops", () => { using var scope = NewDisposeScope(); _ = x.add(y).mul(y).relu(); }),
            ("item<float>() read of a 0-d tensor", () => { using var s = x[0]; _ = s.item<float>(); }),
        };
        foreach (var (name, op) in cases)
            output.WriteLine($"| per-op cost: {name} | {Measurement.SecondsPerCall(op, callsPerRound: 20_000) * 1e6:F2} | µs |");
    }

    /// <summary>
    /// Attention with dropout 0.1 on its probabilities, forward + backward, at a length-grouped MiniLM batch's shape
    /// (16 × 12 heads × 97 tokens × 32): composed from libtorch operations with torch's own dropout (one-thread
    /// bernoulli_), composed with <see cref="SeededDropout"/> (a multiply by the factors of a seeded mask), and
    /// <see cref="AttentionDropoutFunction"/>.
    /// </summary>
    static void AttentionDropout(TextWriter output)
    {
        const double p = 0.1;
        using var outer = NewDisposeScope();
        var q = randn(16, 12, 97, 32).requires_grad_();
        var k = randn(16, 12, 97, 32).requires_grad_();
        var v = randn(16, 12, 97, 32).requires_grad_();
        var upstream = randn(16, 12, 97, 32);
        Tensor Composed(Func<Tensor, Tensor> dropout) =>
            CheckedOps.MatMul(dropout(CheckedOps.MatMul(q * (1 / Math.Sqrt(32)), k.transpose(-2, -1)).softmax(-1)), v);
        var ways = new (string Name, Func<Tensor> Attend)[]
        {
            ("composed, torch dropout", () => Composed(x => nn.functional.dropout(x, p, training: true))),
            ("composed, seeded dropout (one multiply)", () => Composed(x => SeededDropout.Apply(x, p, training: true))),
            ("one node, one-pass dropout kernel", () => AttentionDropoutFunction.Forward(q, k, v, null, p)),
        };
        foreach (var (name, attend) in ways)
        {
            double seconds = Measurement.SecondsPerCall(() =>
            {
                using var scope = NewDisposeScope();
                // autograd.grad, not backward: no accumulation into .grad in the figure.
                _ = autograd.grad([attend()], [q, k, v], [upstream]);
            }, callsPerRound: 10);
            output.WriteLine($"| attention with dropout, forward + backward, 16×12×97×32: {name} | {seconds * 1e3:F2} | ms |");
        }
    }

    /// <summary>
    /// The attention's query, key and value projections of a MiniLM-sized layer (H 384) over a length-grouped batch's
    /// tokens, forward + backward: three [H → H] linears against one [H → 3H] linear over the concatenated weights.
    /// </summary>
    static void QkvProjections(TextWriter output)
    {
        const int hidden = 384;
        foreach (int tokens in new[] { 16 * 97, 32 * 95 })
        {
            using var outer = NewDisposeScope();
            var x = randn(tokens, hidden).requires_grad_();
            var weights = randn(3 * hidden, hidden).mul_(0.05).requires_grad_();
            var bias = zeros(3 * hidden).requires_grad_();
            var upstream = randn(tokens, 3 * hidden);
            var parts = upstream.chunk(3, 1).Select(u => u.contiguous()).ToArray();
            double separate = Measurement.SecondsPerCall(() =>
            {
                using var scope = NewDisposeScope();
                var ws = weights.chunk(3, 0);
                var bs = bias.chunk(3, 0);
                var ys = Enumerable.Range(0, 3).Select(i => nn.functional.linear(x, ws[i], bs[i])).ToArray();
                _ = autograd.grad(ys, [x, weights, bias], parts);
            }, callsPerRound: 10);
            double fused = Measurement.SecondsPerCall(() =>
            {
                using var scope = NewDisposeScope();
                _ = autograd.grad([nn.functional.linear(x, weights, bias)], [x, weights, bias], [upstream]);
            }, callsPerRound: 10);
            double flops = 3.0 * 2 * 2 * tokens * hidden * (double)hidden;
            output.WriteLine($"| q, k, v projections forward + backward, {tokens} tokens: three linears | {flops / separate / 1e9:F1} | GFLOP/s |");
            output.WriteLine($"| q, k, v projections forward + backward, {tokens} tokens: one fused linear | {flops / fused / 1e9:F1} | GFLOP/s |");
        }
    }

    /// <summary>Parameter shapes of BertForSequenceClassification (bert-base-uncased, one label): 109.5 M in 201 tensors.</summary>
    static List<(string Name, long[] Shape)> BertBaseShapes()
    {
        const int h = 768, ff = 3072;
        var shapes = new List<(string, long[])>
        {
            ("bert.embeddings.word_embeddings.weight", [30522, h]),
            ("bert.embeddings.position_embeddings.weight", [512, h]),
            ("bert.embeddings.token_type_embeddings.weight", [2, h]),
            ("bert.embeddings.LayerNorm.weight", [h]), ("bert.embeddings.LayerNorm.bias", [h]),
        };
        for (int i = 0; i < 12; i++)
        {
            string p = $"bert.encoder.layer.{i}.";
            foreach (var part in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
                shapes.AddRange([(p + part + ".weight", [h, h]), (p + part + ".bias", [h])]);
            shapes.AddRange([(p + "attention.output.LayerNorm.weight", [h]), (p + "attention.output.LayerNorm.bias", [h])]);
            shapes.AddRange([(p + "intermediate.dense.weight", [ff, h]), (p + "intermediate.dense.bias", [ff])]);
            shapes.AddRange([(p + "output.dense.weight", [h, ff]), (p + "output.dense.bias", [h])]);
            shapes.AddRange([(p + "output.LayerNorm.weight", [h]), (p + "output.LayerNorm.bias", [h])]);
        }
        shapes.AddRange([("bert.pooler.dense.weight", [h, h]), ("bert.pooler.dense.bias", [h]), ("classifier.weight", [1, h]), ("classifier.bias", [1])]);
        return shapes;
    }

    static List<(string Name, Parameter Parameter)> NewParameters(List<(string Name, long[] Shape)> shapes)
    {
        var parameters = new List<(string, Parameter)>();
        foreach (var (name, shape) in shapes)
        {
            var parameter = new Parameter(randn(shape) * 0.02);
            parameter.grad = randn(shape) * 1e-3;
            parameters.Add((name, parameter));
        }
        return parameters;
    }

    static void AdamWSteps(TextWriter output)
    {
        var shapes = BertBaseShapes();
        long count = shapes.Sum(s => s.Shape.Aggregate(1L, (a, b) => a * b));
        output.WriteLine($"| BERT-base parameter set | {count / 1e6:F1} M in {shapes.Count} tensors | parameters |");

        double perParameter;
        {
            var parameters = NewParameters(shapes);
            var decayed = parameters.Where(p => WeightDecayRule.HuggingFaceDefault(p.Name, p.Parameter)).Select(p => p.Parameter).ToList();
            var undecayed = parameters.Where(p => !WeightDecayRule.HuggingFaceDefault(p.Name, p.Parameter)).Select(p => p.Parameter).ToList();
            using var decayedAdam = optim.AdamW(decayed, lr: 2e-5, weight_decay: 0.01);
            using var undecayedAdam = optim.AdamW(undecayed, lr: 2e-5, weight_decay: 0);
            perParameter = Measurement.SecondsPerCall(() => { decayedAdam.step(); undecayedAdam.step(); }, callsPerRound: 3, rounds: 5, warmupCalls: 2);
            foreach (var (_, parameter) in parameters) { parameter.grad?.Dispose(); parameter.Dispose(); }
        }
        double flatStep;
        {
            var parameters = NewParameters(shapes);
            using var flat = FlatParameters.Bind(parameters, WeightDecayRule.HuggingFaceDefault);
            using var adam = new FlatAdamW(flat, new AdamWOptions(LearningRate: 2e-5));
            flatStep = Measurement.SecondsPerCall(() => adam.Step(), callsPerRound: 3, rounds: 5, warmupCalls: 2);
            foreach (var (_, parameter) in parameters) parameter.Dispose();
        }
        output.WriteLine($"| AdamW step, TorchSharp per-parameter (2 groups) | {perParameter * 1e3:F1} | ms |");
        output.WriteLine($"| AdamW step, flat buffer | {flatStep * 1e3:F1} | ms |");
        output.WriteLine($"| flat speed-up over per-parameter | {perParameter / flatStep:F2} | × |");
        output.WriteLine($"| memory bandwidth implied by the flat step (p, g, m, v read; p, m, v written) | {count * 4.0 * 7 / flatStep / 1e9:F1} | GB/s |");
    }
}
