using RerankExperiments.Torch.Optimization;
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
