using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Torch;

public sealed class FlatAdamWTests
{
    [Fact]
    public void Three_steps_equal_the_closed_form()
    {
        // One decayed weight [2] and one bias [1] (no decay), with fixed gradients per step.
        var weight = new Parameter(tensor(new float[] { 0.5f, -1.0f }));
        var bias = new Parameter(tensor(new float[] { 2.0f }));
        using var flat = FlatParameters.Bind([("w.weight", weight), ("w.bias", bias)], WeightDecayRule.HuggingFaceDefault);
        var options = new AdamWOptions(LearningRate: 0.1, Beta1: 0.9, Beta2: 0.99, Epsilon: 1e-8, WeightDecay: 0.5);
        using var adam = new FlatAdamW(flat, options);
        Assert.Equal(2, flat.DecayedCount);

        double[][] grads = [[0.3, -0.2, 1.0], [-0.1, 0.4, 0.5], [0.2, 0.2, -2.0]];
        double[] theta = [0.5, -1.0, 2.0], m = new double[3], v = new double[3];
        for (int t = 1; t <= 3; t++)
        {
            using (no_grad()) flat.Grad.copy_(tensor(grads[t - 1].Select(g => (float)g).ToArray()));
            adam.Step();
            for (int i = 0; i < 3; i++)
            {
                double g = grads[t - 1][i];
                if (i < 2) theta[i] *= 1 - 0.1 * 0.5;
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.99 * v[i] + 0.01 * g * g;
                double mHat = m[i] / (1 - Math.Pow(0.9, t)), vHat = v[i] / (1 - Math.Pow(0.99, t));
                theta[i] -= 0.1 * mHat / (Math.Sqrt(vHat) + 1e-8);
            }
            float[] actual = [.. weight.data<float>().ToArray(), .. bias.data<float>().ToArray()];
            for (int i = 0; i < 3; i++) Assert.True(Math.Abs(actual[i] - theta[i]) < 1e-6, $"step {t} element {i}: {actual[i]} vs {theta[i]}");
        }
        Assert.Equal(3, adam.StepCount);
    }

    [Fact]
    public void Twenty_steps_equal_TorchSharps_AdamW_with_the_same_no_decay_groups()
    {
        manual_seed(11);
        using var flatModel = SmallNetworks.Mlp();
        using var referenceModel = SmallNetworks.Mlp();
        SmallNetworks.CopyWeights(flatModel, referenceModel);
        using var w = randn(16, 1);

        var initial = flatModel.state_dict().ToDictionary(e => e.Key, e => e.Value.clone());
        var named = flatModel.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        using var flat = FlatParameters.Bind(named, WeightDecayRule.HuggingFaceDefault);
        using var flatAdam = new FlatAdamW(flat, new AdamWOptions(LearningRate: 1e-2, WeightDecay: 0.1));

        var referenceNamed = referenceModel.named_parameters().ToList();
        var decayed = referenceNamed.Where(p => WeightDecayRule.HuggingFaceDefault(p.name, p.parameter)).Select(p => p.parameter).ToList();
        var undecayed = referenceNamed.Where(p => !WeightDecayRule.HuggingFaceDefault(p.name, p.parameter)).Select(p => p.parameter).ToList();
        Assert.Equal(["dense.weight", "out.weight"], referenceNamed.Where(p => WeightDecayRule.HuggingFaceDefault(p.name, p.parameter)).Select(p => p.name));
        using var decayedAdam = optim.AdamW(decayed, lr: 1e-2, weight_decay: 0.1);
        using var undecayedAdam = optim.AdamW(undecayed, lr: 1e-2, weight_decay: 0);

        for (int step = 0; step < 20; step++)
        {
            using var scope = NewDisposeScope();
            var (x, y) = SmallNetworks.Batch(w);
            nn.functional.mse_loss(flatModel.forward(x), y).backward();
            flatAdam.Step();
            flatAdam.ZeroGrad();

            decayedAdam.zero_grad();
            undecayedAdam.zero_grad();
            nn.functional.mse_loss(referenceModel.forward(x), y).backward();
            decayedAdam.step();
            undecayedAdam.step();
        }
        var reference = referenceModel.state_dict();
        foreach (var (name, tensor) in flatModel.state_dict())
        {
            double difference = (tensor - reference[name]).abs().max().item<float>();
            Assert.True(difference < 1e-6, $"{name} differs by {difference}");
            Assert.True((tensor - initial[name]).abs().max().item<float>() > 1e-3, $"{name} did not move");
        }
        Assert.True(flat.GradientsAreBound());
    }

    [Fact]
    public void Binding_keeps_values_and_gradients_flow_into_the_flat_buffer()
    {
        manual_seed(3);
        using var model = SmallNetworks.Mlp();
        var before = model.state_dict().ToDictionary(e => e.Key, e => e.Value.clone());
        using var flat = FlatParameters.Bind(model.named_parameters().Select(p => (p.name, p.parameter)), WeightDecayRule.HuggingFaceDefault);
        foreach (var (name, tensor) in model.state_dict()) Assert.True(tensor.eq(before[name]).all().item<bool>(), name);
        Assert.Equal(model.parameters().Sum(p => p.numel()), flat.Count);

        using var x = randn(4, 16);
        model.forward(x).sum().backward();
        Assert.True(flat.Grad.abs().sum().item<float>() > 0);
        Assert.True(flat.GradientsAreBound());
        flat.ZeroGrad();
        Assert.All(model.parameters(), p => Assert.Equal(0f, p.grad!.abs().sum().item<float>()));
    }

    [Fact]
    public void Global_norm_clipping_equals_TorchSharps_clip_grad_norm()
    {
        manual_seed(5);
        using var a = SmallNetworks.Mlp();
        using var b = SmallNetworks.Mlp();
        SmallNetworks.CopyWeights(a, b);
        using var flat = FlatParameters.Bind(a.named_parameters().Select(p => (p.name, p.parameter)), WeightDecayRule.HuggingFaceDefault);
        using var x = randn(8, 16);
        (a.forward(x).pow(2).sum() * 10).backward();
        (b.forward(x).pow(2).sum() * 10).backward();

        using var norm = GradientClipping.ClipByGlobalNorm(flat.Grad, 0.5);
        double referenceNorm = nn.utils.clip_grad_norm_(b.parameters(), 0.5);
        Assert.True(referenceNorm > 0.5);
        Assert.Equal(referenceNorm, norm.item<float>(), 1e-3 * referenceNorm);
        var clipped = b.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, parameter) in a.named_parameters())
            Assert.True((parameter.grad! - clipped[name]).abs().max().item<float>() < 1e-6, name);
        Assert.Equal(0.5, flat.Grad.norm().item<float>(), 1e-4);
    }

    [Fact]
    public void Weight_decay_rule_matches_the_Hugging_Face_Trainer()
    {
        using var any = zeros(1);
        Assert.True(WeightDecayRule.HuggingFaceDefault("bert.encoder.layer.0.attention.self.query.weight", any));
        Assert.True(WeightDecayRule.HuggingFaceDefault("bert.embeddings.word_embeddings.weight", any));
        Assert.False(WeightDecayRule.HuggingFaceDefault("bert.encoder.layer.0.attention.self.query.bias", any));
        Assert.False(WeightDecayRule.HuggingFaceDefault("bert.embeddings.LayerNorm.weight", any));
        Assert.False(WeightDecayRule.HuggingFaceDefault("model.layers.0.attn_norm.weight", any));
        Assert.False(WeightDecayRule.HuggingFaceDefault("model.final_norm.weight", any));
        Assert.False(WeightDecayRule.HuggingFaceDefault("roberta.encoder.layer.3.output.LayerNorm.weight", any));
    }
}
