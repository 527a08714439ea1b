using RerankExperiments.Torch.Randomness;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Layers;

/// <summary>
/// nn.Dropout with the same meaning — in training, each element zeroed with probability p and the rest scaled by
/// 1 / (1 − p); in evaluation the identity — whose CPU masks come from <see cref="DropoutMasks"/> (all cores) instead
/// of libtorch's one-thread bernoulli_. On other devices it is torch's own dropout (GPU kernels draw in parallel).
/// No parameters, so a model's state dict is the same with either.
/// </summary>
public sealed class ParallelDropout : nn.Module<Tensor, Tensor>
{
    readonly double _p;

    public ParallelDropout(double p) : base("Dropout")
    {
        if (p is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(p), p, "a dropout probability is in [0, 1)");
        _p = p;
    }

    public override Tensor forward(Tensor input) => Apply(input, _p, training);

    /// <summary>Dropout of <paramref name="input"/> as the module applies it.</summary>
    public static Tensor Apply(Tensor input, double p, bool training)
    {
        if (!training || p == 0) return input.alias();
        if (input.device_type != DeviceType.CPU) return nn.functional.dropout(input, p, training: true);
        using var scope = NewDisposeScope();
        // masked_fill keeps only the bool mask for its backward; the in-place scale needs nothing saved.
        return input.masked_fill(DropoutMasks.Dropped(input.shape, p), 0).mul_(1 / (1 - p)).MoveToOuterDisposeScope();
    }
}
