using static TorchSharp.torch;

namespace RerankExperiments.Torch.Optimization;

/// <summary>Global-norm gradient clipping on a flat gradient buffer, with no host synchronisation.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales <paramref name="grad"/> in place by min(1, maxNorm / (‖g‖₂ + 1e-6)), as
    /// torch.nn.utils.clip_grad_norm_ does, and returns the norm before clipping as a 0-d tensor (read it only
    /// when logging: reading it waits for the device).
    /// </summary>
    public static Tensor ClipByGlobalNorm(Tensor grad, double maxNorm)
    {
        using var noGrad = no_grad();
        var norm = grad.norm();
        ClipToNorm(grad, norm, maxNorm);
        return norm;
    }

    /// <summary>The clipping step alone, for a caller that already has the norm ‖g‖₂ of <paramref name="grad"/>.</summary>
    public static void ClipToNorm(Tensor grad, Tensor norm, double maxNorm)
    {
        using var noGrad = no_grad();
        using var coefficient = Coefficient(norm, maxNorm);
        grad.mul_(coefficient.to(grad.dtype));
    }

    /// <summary>
    /// min(1, maxNorm / (‖g‖₂ + 1e-6)) as a 0-d tensor beside <paramref name="norm"/>, for an optimizer that scales
    /// the gradient as it reads it (<see cref="FlatAdamW.Step"/>) instead of in a pass of its own.
    /// </summary>
    public static Tensor Coefficient(Tensor norm, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "must be > 0");
        using var noGrad = no_grad();
        using var shifted = norm + 1e-6;
        return (maxNorm / shifted).clamp_max_(1.0);
    }
}
