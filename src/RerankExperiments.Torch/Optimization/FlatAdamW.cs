using RerankExperiments.Torch.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Optimization;

/// <summary>
/// AdamW (Loshchilov and Hutter, decoupled weight decay) over a <see cref="FlatParameters"/> buffer: the whole
/// update is one pass over memory on the CPU, seven in-place kernels elsewhere, whatever the number of parameter tensors.
/// </summary>
/// <remarks>
/// At step t (from 1), with gradient g, learning rate η, decay λ (decayed prefix only):
/// <code>
/// θ ← θ · (1 − η·λ)
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// the same arithmetic, in the same order, as torch.optim.AdamW (and TorchSharp's) with amsgrad off. On the CPU in
/// fp32 the update is <see cref="AdamWKernel"/>'s single pass over memory; elsewhere seven libtorch kernels.
/// </remarks>
public sealed class FlatAdamW : IDisposable
{
    readonly FlatParameters _parameters;
    readonly AdamWOptions _options;
    readonly Tensor _expAvg;
    readonly Tensor _expAvgSq;
    Tensor? _denominator; // the libtorch path's temporary, made on first use

    public FlatAdamW(FlatParameters parameters, AdamWOptions options)
    {
        _parameters = parameters;
        _options = options.Validated();
        LearningRate = options.LearningRate;
        _expAvg = zeros_like(parameters.Data);
        _expAvgSq = zeros_like(parameters.Data);
    }

    /// <summary>The learning rate of the next step (a schedule sets it before each step).</summary>
    public double LearningRate { get; set; }

    /// <summary>Steps taken so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>The first-moment estimate m (for checkpoints).</summary>
    public Tensor ExpAvg => _expAvg;

    /// <summary>The second-moment estimate v (for checkpoints).</summary>
    public Tensor ExpAvgSq => _expAvgSq;

    /// <summary>
    /// Applies one update from the gradients in the flat gradient buffer, each multiplied by
    /// <paramref name="gradientScale"/> (a 0-d tensor on the parameters' device, e.g. the clipping coefficient) when
    /// given; with <paramref name="zeroGradient"/> the gradient buffer is zero afterwards (on the CPU in the same pass).
    /// </summary>
    public void Step(Tensor? gradientScale = null, bool zeroGradient = false)
    {
        StepCount++;
        double lr = LearningRate;
        double beta1 = _options.Beta1, beta2 = _options.Beta2;
        double biasCorrection1 = 1 - Math.Pow(beta1, StepCount);
        double biasCorrection2 = 1 - Math.Pow(beta2, StepCount);
        using var noGrad = no_grad();
        var theta = _parameters.Data;
        var grad = _parameters.Grad;
        if (theta.device_type == DeviceType.CPU && theta.dtype == ScalarType.Float32)
        {
            // A 0-d CPU tensor is read without waiting for anything.
            float scale = 1f;
            if (gradientScale is not null)
                using (var scale32 = gradientScale.to(ScalarType.Float32)) scale = scale32.item<float>();
            long decayed = _options.WeightDecay != 0 ? _parameters.DecayedCount : 0;
            var scalars = new AdamWScalars(scale, (float)(1 - lr * _options.WeightDecay), (float)(1 - beta1), (float)beta2,
                (float)(1 - beta2), (float)Math.Sqrt(biasCorrection2), (float)_options.Epsilon, (float)(-lr / biasCorrection1));
            AdamWKernel.Step(TensorBytes.Address(theta), TensorBytes.Address(grad), TensorBytes.Address(_expAvg), TensorBytes.Address(_expAvgSq),
                theta.numel(), decayed, scalars, zeroGradient);
            return;
        }

        if (gradientScale is not null)
            using (var scaleInDtype = gradientScale.to(grad.dtype)) grad.mul_(scaleInDtype);
        if (_options.WeightDecay != 0 && _parameters.DecayedCount > 0)
        {
            using var decayedPart = theta.narrow(0, 0, _parameters.DecayedCount);
            decayedPart.mul_(1 - lr * _options.WeightDecay);
        }
        _expAvg.lerp_(grad, 1 - beta1);
        _expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
        _denominator ??= empty_like(theta);
        _denominator.copy_(_expAvgSq).sqrt_().div_(Math.Sqrt(biasCorrection2)).add_(_options.Epsilon);
        theta.addcdiv_(_expAvg, _denominator, -lr / biasCorrection1);
        if (zeroGradient) grad.zero_();
    }

    /// <summary>Zeroes the gradients.</summary>
    public void ZeroGrad() => _parameters.ZeroGrad();

    /// <summary>Restores state saved from <see cref="ExpAvg"/>, <see cref="ExpAvgSq"/> and <see cref="StepCount"/>.</summary>
    public void Restore(Tensor expAvg, Tensor expAvgSq, long stepCount)
    {
        if (expAvg.numel() != _expAvg.numel() || expAvgSq.numel() != _expAvgSq.numel())
            throw new ArgumentException($"Optimizer state has {expAvg.numel()} elements; this optimizer has {_expAvg.numel()}.");
        using var noGrad = no_grad();
        _expAvg.copy_(expAvg.view(-1));
        _expAvgSq.copy_(expAvgSq.view(-1));
        StepCount = stepCount;
    }

    public void Dispose()
    {
        _expAvg.Dispose();
        _expAvgSq.Dispose();
        _denominator?.Dispose();
    }
}
