using RerankExperiments.Torch.Layers;
using RerankExperiments.Torch.Randomness;
using RerankExperiments.Torch.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Torch;

/// <summary>Attention with dropout on its probabilities: the composed CPU path and the one-node path.</summary>
public sealed class AttentionTests
{
    [Fact]
    public void Attention_with_dropout_is_softmax_attention_when_nothing_is_dropped()
    {
        // p = 1e-12 rounds to a zero threshold: the composed CPU path runs, drops nothing, and must equal the fused
        // kernel — scale, additive mask, softmax, chunking over the batch (5 examples of 12 × 300 × 300 scores make
        // several chunks) and the 1/(1 − p) factor all checked at once.
        manual_seed(2);
        using var q = randn(5, 12, 300, 16);
        using var k = randn(5, 12, 300, 16);
        using var v = randn(5, 12, 300, 16);
        using var mask = zeros(5, 1, 1, 300);
        mask[.., .., .., 250..] = tensor(float.MinValue);
        using var composed = Attention.ScaledDotProduct(q, k, v, mask, 1e-12, training: true);
        using var fused = nn.functional.scaled_dot_product_attention(q, k, v, mask);
        Assert.True(composed.allclose(fused, rtol: 1e-4, atol: 1e-5), $"max difference {(composed - fused).abs().max().item<float>()}");
        // A mask without a batch dimension (one S × S pattern for every example) is shared by every chunk.
        using var causal = zeros(300, 300).masked_fill(ones(300, 300, ScalarType.Bool).triu(1), float.MinValue);
        using var composedShared = Attention.ScaledDotProduct(q, k, v, causal, 1e-12, training: true);
        using var fusedShared = nn.functional.scaled_dot_product_attention(q, k, v, causal);
        Assert.True(composedShared.allclose(fusedShared, rtol: 1e-4, atol: 1e-5));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_attention_dropout_node_equals_the_composed_math_with_the_masks_of_its_seeds_forward_and_backward(bool paddingMask)
    {
        // 7 examples of 4 heads × 150² scores (90,000 each, 2¹⁹ per chunk): chunks of 5 and 2 examples, each with a seed of its own, drawn in order.
        const double p = 0.3;
        manual_seed(31);
        using var q = randn(7, 4, 150, 16).requires_grad_();
        using var k = randn(7, 4, 150, 16).requires_grad_();
        using var v = randn(7, 4, 150, 16).requires_grad_();
        using var upstream = randn(7, 4, 150, 16);
        using var mask = zeros(7, 1, 1, 150);
        if (paddingMask) mask[.., .., .., 130..] = tensor(float.MinValue);
        manual_seed(77);
        using var output = Attention.ScaledDotProduct(q, k, v, mask, p, training: true);
        output.backward([upstream]);

        manual_seed(77);
        ulong[] seeds = [DropoutMasks.DrawSeed(), DropoutMasks.DrawSeed()];
        using var q2 = q.detach().clone().requires_grad_();
        using var k2 = k.detach().clone().requires_grad_();
        using var v2 = v.detach().clone().requires_grad_();
        using var dropped = cat([DropoutMasks.Dropped([5, 4, 150, 150], p, seeds[0]), DropoutMasks.Dropped([2, 4, 150, 150], p, seeds[1])], 0);
        using var scores = CheckedOps.MatMul(q2 * (1 / Math.Sqrt(16)), k2.transpose(-2, -1)) + mask;
        using var expected = CheckedOps.MatMul(scores.softmax(-1).masked_fill(dropped, 0).mul(1 / (1 - p)), v2);
        expected.backward([upstream]);

        Assert.True(output.allclose(expected, rtol: 1e-5, atol: 1e-6), $"max difference {(output - expected).abs().max().item<float>()}");
        foreach (var (ours, reference) in new[] { (q.grad!, q2.grad!), (k.grad!, k2.grad!), (v.grad!, v2.grad!) })
            Assert.True(ours.allclose(reference, rtol: 1e-4, atol: 1e-5), $"max gradient difference {(ours - reference).abs().max().item<float>()}");
    }

    [Fact]
    public void Attention_dropout_is_unbiased_and_reproducible()
    {
        manual_seed(4);
        using var q = randn(2, 2, 40, 8);
        using var k = randn(2, 2, 40, 8);
        using var v = randn(2, 2, 40, 8);
        using var exact = nn.functional.scaled_dot_product_attention(q, k, v);
        using var sum = zeros_like(exact);
        const int draws = 2000;
        for (int i = 0; i < draws; i++)
            using (var sample = Attention.ScaledDotProduct(q, k, v, null, 0.5, training: true)) sum.add_(sample);
        using var mean = sum / draws;
        // Each output is an average over 40 scaled Bernoulli-masked terms; 2,000 draws bring the mean within ~0.05.
        Assert.True(mean.allclose(exact, rtol: 0, atol: 0.1), $"max difference {(mean - exact).abs().max().item<float>()}");
        manual_seed(9);
        using var first = Attention.ScaledDotProduct(q, k, v, null, 0.5, training: true);
        manual_seed(9);
        using var second = Attention.ScaledDotProduct(q, k, v, null, 0.5, training: true);
        Assert.True(first.eq(second).all().item<bool>());
        using var evaluation = Attention.ScaledDotProduct(q, k, v, null, 0.5, training: false);
        Assert.True(evaluation.allclose(exact, rtol: 1e-5, atol: 1e-6));
    }
}
