using RerankExperiments.Torch.Layers;
using RerankExperiments.Torch.Randomness;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Torch;

public sealed class DropoutTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Masks_drop_each_element_with_probability_p(double p)
    {
        manual_seed(5);
        using var mask = DropoutMasks.Dropped([3, 200_001], p);
        Assert.Equal(ScalarType.Bool, mask.dtype);
        Assert.Equal([3L, 200_001L], mask.shape);
        double fraction = mask.to(ScalarType.Float64).mean().item<double>();
        // 600,003 Bernoulli(p) draws: the standard error is √(p(1−p)/n) ≤ 0.00065; allow five of them.
        Assert.InRange(fraction, p - 0.0033, p + 0.0033);
    }

    [Fact]
    public void Masks_follow_torchs_generator()
    {
        manual_seed(11);
        using var first = DropoutMasks.Dropped([1000, 300], 0.3);
        using var second = DropoutMasks.Dropped([1000, 300], 0.3);
        manual_seed(11);
        using var again = DropoutMasks.Dropped([1000, 300], 0.3);
        Assert.True(first.eq(again).all().item<bool>());
        Assert.False(first.eq(second).all().item<bool>());
        // Neighbouring chunks are drawn from differently seeded streams, not repeats of one stream.
        using var flat = first.view(-1);
        Assert.False(flat.narrow(0, 0, 65536).eq(flat.narrow(0, 65536, 65536)).all().item<bool>());
    }

    [Fact]
    public void Probabilities_zero_and_one_drop_nothing_and_everything()
    {
        using var none = DropoutMasks.Dropped([70_000], 0);
        using var all = DropoutMasks.Dropped([70_000], 1);
        Assert.False(none.any().item<bool>());
        Assert.True(all.all().item<bool>());
        using var empty = DropoutMasks.Dropped([0, 4], 0.5);
        Assert.Equal(0, empty.numel());
        Assert.Throws<ArgumentOutOfRangeException>(() => DropoutMasks.Dropped([4], 1.5));
    }

    [Fact]
    public void In_training_kept_elements_are_scaled_by_one_over_one_minus_p_and_the_gradient_follows_the_mask()
    {
        manual_seed(3);
        var input = (rand(50, 400) + 0.5).requires_grad_();
        var output = SeededDropout.Apply(input, 0.25, training: true);
        using var kept = output.ne(0);
        var expected = input.detach() / 0.75;
        Assert.True(output.detach().masked_select(kept).allclose(expected.masked_select(kept), rtol: 1e-6, atol: 0));
        double dropped = 1 - kept.to(ScalarType.Float64).mean().item<double>();
        Assert.InRange(dropped, 0.23, 0.27);
        output.sum().backward();
        Assert.True(input.grad!.allclose(kept.to(ScalarType.Float32) / 0.75, rtol: 1e-6, atol: 0));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(0.9)]
    public void The_kernels_zero_exactly_where_the_mask_of_its_seed_is_true_and_scale_the_rest(double p)
    {
        // 3 × 70,001 elements: four chunks of 2¹⁶ and a last one whose length is not a multiple of a vector.
        manual_seed(8);
        using var input = randn(3, 70_001);
        using var output = empty_like(input);
        DropoutMasks.Apply(input, output, p, seed: 0xC0FFEE);
        using var mask = DropoutMasks.Dropped(input.shape, p, seed: 0xC0FFEE);
        using var expected = input.masked_fill(mask, 0).mul_(1 / (1 - p));
        Assert.True(output.eq(expected).all().item<bool>());
        // Another seed, another mask; in place gives the same as into another tensor.
        using var otherMask = DropoutMasks.Dropped(input.shape, p, seed: 0xC0FFEF);
        Assert.False(otherMask.eq(mask).all().item<bool>());
        using var inPlace = input.clone();
        DropoutMasks.Apply(inPlace, inPlace, p, seed: 0xC0FFEE);
        Assert.True(inPlace.eq(expected).all().item<bool>());
        // The factors dropout multiplies by: 0 under the same mask, 1 / (1 − p) in fp32 elsewhere.
        using var scales = DropoutMasks.Scales(input.shape, p, seed: 0xC0FFEE);
        Assert.Equal(ScalarType.Float32, scales.dtype);
        using var expectedScales = ones_like(input).masked_fill_(mask, 0).mul_((float)(1 / (1 - p)));
        Assert.True(scales.eq(expectedScales).all().item<bool>());
        Assert.Throws<ArgumentOutOfRangeException>(() => DropoutMasks.Apply(input, output, 1, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DropoutMasks.Scales([4], 1, seed: 1));
        using var doubles = input.to(ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => DropoutMasks.Apply(doubles, doubles, p, seed: 1));
    }

    [Fact]
    public void Backward_follows_the_forward_mask_for_any_upstream_gradient_and_layout()
    {
        manual_seed(6);
        // A transposed (non-contiguous) view in, a non-contiguous upstream gradient back.
        using var leaf = (rand(300, 500) + 0.5).requires_grad_();
        using var input = leaf.t();
        using var output = SeededDropout.Apply(input, 0.2, training: true);
        Assert.Equal([500L, 300L], output.shape);
        using var upstream = randn(300, 500).t();
        output.backward([upstream]);
        using var kept = output.detach().ne(0);
        using var expected = upstream.masked_fill(kept.logical_not(), 0).mul_(1 / 0.8);
        Assert.True(leaf.grad!.t().eq(expected).all().item<bool>());
        // The same seed state gives the same dropout; the generator moves on between calls.
        manual_seed(21);
        using var first = SeededDropout.Apply(input.detach(), 0.2, training: true);
        using var second = SeededDropout.Apply(input.detach(), 0.2, training: true);
        manual_seed(21);
        using var again = SeededDropout.Apply(input.detach(), 0.2, training: true);
        Assert.True(first.eq(again).all().item<bool>());
        Assert.False(first.eq(second).all().item<bool>());
    }

    [Fact]
    public void Fp32_dropout_multiplies_by_the_factors_of_a_seed_drawn_from_torchs_generator()
    {
        using var input = randn(33, 70_001);
        manual_seed(40);
        using var output = SeededDropout.Apply(input, 0.15, training: true);
        manual_seed(40);
        using var scales = DropoutMasks.Scales(input.shape, 0.15, DropoutMasks.DrawSeed());
        Assert.True(output.eq(input * scales).all().item<bool>());
    }

    [Fact]
    public void Float64_dropout_has_the_same_meaning()
    {
        manual_seed(12);
        using var input = (rand(64, 1000, ScalarType.Float64) + 0.5).requires_grad_();
        using var output = SeededDropout.Apply(input, 0.5, training: true);
        Assert.Equal(ScalarType.Float64, output.dtype);
        using var kept = output.detach().ne(0);
        Assert.InRange(kept.to(ScalarType.Float64).mean().item<double>(), 0.47, 0.53);
        Assert.True(output.detach().masked_select(kept).allclose(input.detach().masked_select(kept) * 2, rtol: 1e-12, atol: 0));
        output.sum().backward();
        Assert.True(input.grad!.eq(kept.to(ScalarType.Float64) * 2).all().item<bool>());
    }

    [Fact]
    public void In_evaluation_or_with_p_zero_it_is_the_identity()
    {
        using var input = randn(4, 5);
        var module = new SeededDropout(0.4);
        module.eval();
        using (var output = module.forward(input)) Assert.True(output.eq(input).all().item<bool>());
        using (var output = SeededDropout.Apply(input, 0, training: true)) Assert.True(output.eq(input).all().item<bool>());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SeededDropout(1.0));
    }
}
