using System.CommandLine;
using System.Diagnostics;
using RerankExperiments.Torch.Optimization;
using RerankExperiments.Torch.Precision;
using RerankExperiments.Torch.Randomness;
using RerankExperiments.Torch.Safetensors;
using RerankExperiments.Torch.Schedules;
using RerankExperiments.Torch.StateDicts;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank smoke`: proves the foundation works on this machine, end to end. TorchSharp loads (through the
/// build's load fix), a small network trains with the flat AdamW and a cosine schedule in fp32 and in bf16 with
/// fp32 master weights, and a checkpoint saved as safetensors reloads bit-exactly. Exit 0 only if all of it holds.
/// </summary>
public static class SmokeCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "Training steps per precision.", DefaultValueFactory = _ => 300 };
        var output = new Option<string>("--output") { Description = "Where to write the smoke checkpoint.", DefaultValueFactory = _ => Path.Combine("runs", "smoke") };
        var command = new Command("smoke", "Check that TorchSharp, training and safetensors work on this machine.") { steps, output };
        command.SetAction(result => Run(result.GetValue(steps), result.GetValue(output)!));
        return command;
    }

    static int Run(int steps, string output)
    {
        if (steps < 10) { Console.Error.WriteLine("--steps must be at least 10."); return 2; }
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"TorchSharp {typeof(torch).Assembly.GetName().Version} · libtorch {torch.__version__} · {torch.get_num_threads()} threads · CUDA {(cuda.is_available() ? "available" : "not available")}");

        bool ok = true;
        Console.WriteLine($"{"precision",-10} {"first loss",12} {"last loss",12} {"skipped",8} {"seconds",8}");
        foreach (var mode in new[] { PrecisionMode.Float32, PrecisionMode.BFloat16 })
        {
            var lap = Stopwatch.StartNew();
            var (first, last, skipped, model) = Train(mode, steps);
            Console.WriteLine($"{mode,-10} {first,12:F5} {last,12:F5} {skipped,8} {lap.Elapsed.TotalSeconds,8:F1}");
            ok &= last < first * 0.5;
            if (mode == PrecisionMode.Float32) ok &= CheckReload(model, output);
            model.Dispose();
        }
        Console.WriteLine(ok ? $"smoke check passed in {clock.Elapsed.TotalSeconds:F1} s" : "smoke check FAILED");
        return ok ? 0 : 1;
    }

    static nn.Module<Tensor, Tensor> NewModel() =>
        nn.Sequential(("0", nn.Linear(16, 64)), ("1", nn.GELU()), ("2", nn.LayerNorm(64)), ("3", nn.Linear(64, 1)));

    static (double First, double Last, long Skipped, nn.Module<Tensor, Tensor> Model) Train(PrecisionMode mode, int steps)
    {
        Seeding.SeedTorch(42);
        var model = NewModel();
        using var optimizer = MixedPrecisionOptimizer.Create(model, mode, new AdamWOptions(LearningRate: 3e-3));
        var schedule = LearningRateSchedules.Create("cosine", steps, warmupRatio: 0.1);
        var target = randn(16, 1);
        double first = double.NaN, last = double.NaN;
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var x = randn(32, 16);
            var y = x.mm(target).div(4).tanh();
            var loss = nn.functional.mse_loss(model.forward(x.to(mode.ComputeType())).to(ScalarType.Float32), y);
            optimizer.ScaleLoss(loss).backward();
            optimizer.AdamW.LearningRate = 3e-3 * schedule.Factor(step);
            optimizer.Step(maxGradNorm: 1.0);
            if (step == 0) first = loss.item<float>();
            if (step == steps - 1) last = loss.item<float>();
        }
        return (first, last, optimizer.SkippedSteps, model);
    }

    static bool CheckReload(nn.Module<Tensor, Tensor> model, string output)
    {
        StateDict.Save(model, output);
        var copy = NewModel();
        using (var checkpoint = SafetensorsCheckpoint.Open(output)) StateDict.Load(copy, checkpoint);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = randn(8, 16);
        bool same = model.forward(x).eq(copy.forward(x)).all().item<bool>();
        Console.WriteLine($"safetensors round trip ({Path.Combine(output, SafetensorsCheckpoint.SingleFileName)}): {(same ? "bit-exact" : "DIFFERENT")}");
        copy.Dispose();
        return same;
    }
}
