using System.Diagnostics;
using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Optimization;
using RerankExperiments.Torch.Precision;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Torch;

public sealed class DisposeScopeMemoryTests
{
    static long ResidentBytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }

    [Fact]
    public void Twenty_thousand_training_steps_in_dispose_scopes_keep_resident_memory_flat()
    {
        manual_seed(1);
        using var model = SmallNetworks.Mlp();
        using var optimizer = MixedPrecisionOptimizer.Create(model, PrecisionMode.Float32, new AdamWOptions(LearningRate: 1e-3));
        using var w = randn(16, 1);

        void Steps(int count)
        {
            for (int step = 0; step < count; step++)
            {
                using var scope = NewDisposeScope();
                var (x, y) = SmallNetworks.Batch(w, 16);
                nn.functional.mse_loss(model.forward(x), y).backward();
                optimizer.Step(maxGradNorm: 1.0);
            }
        }

        Steps(1_000);
        long before = ResidentBytes();
        Steps(20_000);
        long growth = ResidentBytes() - before;
        Assert.True(growth < 50L << 20, $"resident memory grew by {growth >> 20} MB over 20,000 steps");
    }
}
