using RerankExperiments.Torch.Optimization;
using RerankExperiments.Torch.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Torch;

/// <summary>
/// The CPU's one-pass AdamW against TorchSharp's own clip_grad_norm_ and AdamW, on buffers that cross the kernel's
/// chunks: a decayed prefix that ends inside a chunk, a length that is not a multiple of the vector width.
/// </summary>
public sealed class AdamWKernelTests
{
    [Theory]
    [InlineData(0.9, 0.999, 1.0)]   // lerp from the start (weight 1 − β₁ < 0.5), clipping active
    [InlineData(0.3, 0.99, 1e6)]    // lerp from the end (weight ≥ 0.5), clipping never binds
    public void Five_clipped_steps_over_chunk_boundaries_equal_clip_grad_norm_and_TorchSharps_AdamW(double beta1, double beta2, double maxNorm)
    {
        manual_seed(17);
        const long decayedLength = 40_001, plainLength = 60_003; // the split falls inside the kernel's second chunk
        var weight = new Parameter(randn(decayedLength));
        var bias = new Parameter(randn(plainLength));
        var referenceWeight = new Parameter(weight.detach().clone());
        var referenceBias = new Parameter(bias.detach().clone());
        using var initialWeight = weight.detach().clone();
        using var module = new PairOfParameters(weight, bias);
        var options = new AdamWOptions(LearningRate: 1e-2, Beta1: beta1, Beta2: beta2, Epsilon: 1e-8, WeightDecay: 0.1);
        using var optimizer = MixedPrecisionOptimizer.Create(module, PrecisionMode.Float32, options);
        Assert.Equal(decayedLength, optimizer.MasterParameters.DecayedCount);
        using var decayedAdam = optim.AdamW([referenceWeight], lr: 1e-2, beta1: beta1, beta2: beta2, eps: 1e-8, weight_decay: 0.1);
        using var plainAdam = optim.AdamW([referenceBias], lr: 1e-2, beta1: beta1, beta2: beta2, eps: 1e-8, weight_decay: 0);

        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            using var targetW = randn(decayedLength) * 3;
            using var targetB = randn(plainLength) * 3;
            ((weight - targetW).pow(2).sum() + (bias - targetB).pow(3).abs().sum()).backward();
            var outcome = optimizer.Step(maxNorm);
            Assert.True(outcome.Applied);

            decayedAdam.zero_grad();
            plainAdam.zero_grad();
            ((referenceWeight - targetW).pow(2).sum() + (referenceBias - targetB).pow(3).abs().sum()).backward();
            double referenceNorm = nn.utils.clip_grad_norm_([referenceWeight, referenceBias], maxNorm);
            Assert.Equal(referenceNorm, outcome.GradientNorm.item<float>(), 1e-5 * referenceNorm);
            decayedAdam.step();
            plainAdam.step();

            Assert.Equal(0f, optimizer.MasterParameters.Grad.abs().max().item<float>()); // left zeroed by the same pass
        }
        double weightDifference = (weight - referenceWeight).abs().max().item<float>();
        double biasDifference = (bias - referenceBias).abs().max().item<float>();
        Assert.True(weightDifference < 1e-6, $"decayed part differs by {weightDifference}");
        Assert.True(biasDifference < 1e-6, $"undecayed part differs by {biasDifference}");
        Assert.True((weight - initialWeight).abs().max().item<float>() > 1e-3, "the weights did not move");
    }

    [Fact]
    public void Without_zeroing_the_gradient_is_kept_and_an_unscaled_step_matches_the_closed_form()
    {
        var weight = new Parameter(tensor(new float[] { 0.5f, -1.0f, 2.0f }));
        using var flat = FlatParameters.Bind([("w.weight", weight)], WeightDecayRule.HuggingFaceDefault);
        using var adam = new FlatAdamW(flat, new AdamWOptions(LearningRate: 0.1, Beta1: 0.9, Beta2: 0.99, Epsilon: 1e-8, WeightDecay: 0.5));
        using (no_grad()) flat.Grad.copy_(tensor(new float[] { 0.3f, -0.2f, 1.0f }));
        using var half = tensor(0.5f);
        adam.Step(half);
        Assert.Equal(new float[] { 0.3f, -0.2f, 1.0f }, flat.Grad.data<float>().ToArray());
        float[] g = [0.15f, -0.1f, 0.5f];
        float[] start = [0.5f, -1.0f, 2.0f];
        var actual = weight.data<float>().ToArray();
        for (int i = 0; i < 3; i++)
        {
            // Step 1: m̂ = g, v̂ = g², so θ ← θ(1 − ηλ) − η·g/(|g| + ε).
            double expected = start[i] * (1 - 0.1 * 0.5) - 0.1 * g[i] / (Math.Abs(g[i]) + 1e-8);
            Assert.True(Math.Abs(actual[i] - expected) < 1e-6, $"element {i}: {actual[i]} vs {expected}");
        }
    }

    sealed class PairOfParameters : nn.Module
    {
        public PairOfParameters(Parameter weight, Parameter bias) : base("pair")
        {
            register_parameter("weight", weight);
            register_parameter("bias", bias);
        }
    }
}
