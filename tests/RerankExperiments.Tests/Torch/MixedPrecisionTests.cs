using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Optimization;
using RerankExperiments.Torch.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Torch;

public sealed class MixedPrecisionTests
{
    static List<double> Train(nn.Module<Tensor, Tensor> model, PrecisionMode mode, Tensor w, int steps, long dataSeed)
    {
        using var optimizer = MixedPrecisionOptimizer.Create(model, mode, new AdamWOptions(LearningRate: 3e-3));
        var generator = new Generator((ulong)dataSeed);
        var losses = new List<double>();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var x = randn([32, w.shape[0]], generator: generator);
            var y = x.mm(w).div(4).tanh();
            var loss = nn.functional.mse_loss(model.forward(x.to(mode.ComputeType())).to(ScalarType.Float32), y);
            optimizer.ScaleLoss(loss).backward();
            Assert.True(optimizer.Step(maxGradNorm: 1.0).Applied);
            losses.Add(loss.item<float>());
        }
        return losses;
    }

    [Fact]
    public void Bf16_compute_with_fp32_master_weights_tracks_fp32_training()
    {
        manual_seed(21);
        using var w = randn(16, 1);
        using var fp32 = SmallNetworks.Mlp();
        using var bf16 = SmallNetworks.Mlp();
        SmallNetworks.CopyWeights(fp32, bf16);

        var reference = Train(fp32, PrecisionMode.Float32, w, 300, dataSeed: 5);
        var mixed = Train(bf16, PrecisionMode.BFloat16, w, 300, dataSeed: 5);

        Assert.All(bf16.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.True(reference[^1] < reference[0] * 0.2, $"fp32 did not learn: {reference[0]} → {reference[^1]}");
        double referenceTail = reference.TakeLast(50).Average(), mixedTail = mixed.TakeLast(50).Average();
        Assert.True(Math.Abs(mixedTail - referenceTail) < 0.25 * referenceTail + 2e-3, $"bf16 tail loss {mixedTail} vs fp32 {referenceTail}");
        for (int step = 0; step < 300; step += 30)
            Assert.True(Math.Abs(mixed[step] - reference[step]) < 0.1 * reference[step] + 0.01, $"step {step}: bf16 {mixed[step]} vs fp32 {reference[step]}");
    }

    [Fact]
    public void The_master_weights_accumulate_updates_too_small_for_bf16()
    {
        // An update of 1e-4 on a weight of 1.0 is below bf16's resolution (2^-7): only fp32 masters keep it.
        var parameter = new TorchSharp.Modules.Parameter(ones(4));
        using var module = new ParameterHolder(parameter);
        using var optimizer = MixedPrecisionOptimizer.Create(module, PrecisionMode.BFloat16, new AdamWOptions(LearningRate: 1e-4, WeightDecay: 0));
        for (int step = 0; step < 200; step++)
        {
            using var scope = NewDisposeScope();
            module.Weight.sum().backward();
            optimizer.Step();
        }
        double master = optimizer.MasterParameters.Data[0].item<float>();
        Assert.Equal(1.0 - 200 * 1e-4, master, 1e-4);
        Assert.True(module.Weight[0].to(ScalarType.Float32).item<float>() < 0.99);
    }

    sealed class ParameterHolder : nn.Module
    {
        public ParameterHolder(TorchSharp.Modules.Parameter weight) : base("holder")
        {
            register_parameter("weight", weight);
        }

        public Tensor Weight => named_parameters().Single().parameter;
    }

    [Fact]
    public void Fp16_loss_scaling_skips_an_injected_inf_step_and_halves_the_scale()
    {
        manual_seed(9);
        using var model = SmallNetworks.Mlp();
        using var optimizer = MixedPrecisionOptimizer.Create(model, PrecisionMode.Float16, new AdamWOptions(LearningRate: 1e-3));
        var scaler = Assert.IsType<DynamicLossScaler>(optimizer.LossScaler);
        Assert.Equal(65536, scaler.Scale);
        using var w = randn(16, 1);

        void Backward()
        {
            using var scope = NewDisposeScope();
            var (x, y) = SmallNetworks.Batch(w);
            var loss = nn.functional.mse_loss(model.forward(x.to(ScalarType.Float16)).to(ScalarType.Float32), y);
            optimizer.ScaleLoss(loss).backward();
        }

        // At 2^16 the first fp16 gradients may overflow; the scaler backs off until a step goes through,
        // exactly as GradScaler does.
        int attempts = 0;
        do Backward(); while (!optimizer.Step().Applied && ++attempts < 20);
        Assert.True(attempts < 20);
        double settled = scaler.Scale;
        long skippedBefore = scaler.SkippedSteps;
        Assert.Equal(65536 / Math.Pow(2, attempts), settled);
        Assert.Equal(attempts, skippedBefore);

        Backward();
        using (no_grad()) optimizer.ModelParameters.Grad[7] = tensor(float.PositiveInfinity).to(ScalarType.Float16);
        using var masterBefore = optimizer.MasterParameters.Data.clone();
        using var modelBefore = optimizer.ModelParameters.Data.clone();
        var skipped = optimizer.Step();
        Assert.False(skipped.Applied);
        Assert.True(float.IsInfinity(skipped.GradientNorm.item<float>()));
        Assert.Equal(settled / 2, scaler.Scale);
        Assert.Equal(skippedBefore + 1, scaler.SkippedSteps);
        Assert.Equal(skippedBefore + 1, optimizer.SkippedSteps);
        Assert.True(optimizer.MasterParameters.Data.eq(masterBefore).all().item<bool>());
        Assert.True(optimizer.ModelParameters.Data.eq(modelBefore).all().item<bool>());
        Assert.Equal(0f, optimizer.ModelParameters.Grad.abs().sum().to(ScalarType.Float32).item<float>());

        Backward();
        Assert.True(optimizer.Step().Applied);
        Assert.False(optimizer.MasterParameters.Data.eq(masterBefore).all().item<bool>());
        Assert.Equal(2, optimizer.AdamW.StepCount);
    }

    [Fact]
    public void The_loss_scale_grows_after_a_run_of_clean_steps()
    {
        var scaler = new DynamicLossScaler(initialScale: 8, growthInterval: 3);
        scaler.Update(true);
        scaler.Update(true);
        Assert.Equal(8, scaler.Scale);
        scaler.Update(true);
        Assert.Equal(16, scaler.Scale);
        scaler.Update(false);
        Assert.Equal(8, scaler.Scale);
        scaler.Update(true);
        scaler.Update(true);
        Assert.Equal(8, scaler.Scale);
        var copy = new DynamicLossScaler();
        copy.Restore(scaler.State);
        copy.Update(true);
        Assert.Equal(8, copy.Scale);
        Assert.Equal(1, copy.SkippedSteps);
    }
}
