using TorchSharp;
using RerankExperiments.Torch.Optimization;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Precision;

/// <summary>What one optimizer step did.</summary>
/// <param name="Applied">False when the step was skipped for non-finite gradients.</param>
/// <param name="GradientNorm">Global L2 norm of the (unscaled) gradients before clipping, as a 0-d fp32 tensor
/// the caller owns; read it only when logging, since reading waits for the device.</param>
public sealed record OptimizerStepOutcome(bool Applied, Tensor GradientNorm);

/// <summary>
/// Mixed precision without autocast: the model's parameters live in the compute dtype (bf16 or fp16) in one
/// flat buffer, an fp32 copy of them (the master weights) and the fp32 AdamW state in another. A step copies
/// the compute-dtype gradients into fp32, divides out the loss scale, skips the step if any gradient is
/// non-finite, clips, updates the master weights, and copies them back into the model. In fp32 mode the model's
/// parameters are the master weights and only the finiteness check and clipping are added to AdamW.
/// </summary>
public sealed class MixedPrecisionOptimizer : IDisposable
{
    readonly FlatParameters _model;
    readonly FlatParameters _master;
    readonly FlatAdamW _adamW;

    MixedPrecisionOptimizer(PrecisionMode mode, FlatParameters model, FlatParameters master, FlatAdamW adamW, DynamicLossScaler? lossScaler)
    {
        Mode = mode;
        _model = model;
        _master = master;
        _adamW = adamW;
        LossScaler = lossScaler;
    }

    public PrecisionMode Mode { get; }

    /// <summary>The loss scaler (fp16 only).</summary>
    public DynamicLossScaler? LossScaler { get; }

    /// <summary>The AdamW over the master weights (its learning rate is set by the schedule).</summary>
    public FlatAdamW AdamW => _adamW;

    /// <summary>The model's parameters, bound to one buffer in the compute dtype.</summary>
    public FlatParameters ModelParameters => _model;

    /// <summary>The fp32 master weights (the same object as <see cref="ModelParameters"/> in fp32 mode).</summary>
    public FlatParameters MasterParameters => _master;

    /// <summary>Steps skipped for non-finite gradients.</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>
    /// Converts the module to the compute dtype of <paramref name="mode"/>, binds its trainable parameters into
    /// one buffer and creates the fp32 master weights and AdamW state. fp16 gets a <see cref="DynamicLossScaler"/>
    /// (the given one, or one with GradScaler's defaults).
    /// </summary>
    public static MixedPrecisionOptimizer Create(nn.Module module, PrecisionMode mode, AdamWOptions options,
        Func<string, Tensor, bool>? decays = null, DynamicLossScaler? lossScaler = null)
    {
        module.to(mode.ComputeType());
        var model = FlatParameters.Bind(module.named_parameters().Select(p => (p.name, p.parameter)), decays ?? WeightDecayRule.HuggingFaceDefault);
        var master = mode == PrecisionMode.Float32 ? model : model.CopyAs(ScalarType.Float32);
        var scaler = mode == PrecisionMode.Float16 ? lossScaler ?? new DynamicLossScaler() : null;
        return new MixedPrecisionOptimizer(mode, model, master, new FlatAdamW(master, options), scaler);
    }

    /// <summary>The loss to call backward on: multiplied by the loss scale in fp16, unchanged otherwise.</summary>
    public Tensor ScaleLoss(Tensor loss) => LossScaler is null ? loss : loss * LossScaler.Scale;

    /// <summary>
    /// Applies the gradients accumulated since the last <see cref="ZeroGrad"/> (or skips them if any is
    /// non-finite), clipping to <paramref name="maxGradNorm"/> when given, then zeroes the gradients.
    /// </summary>
    public OptimizerStepOutcome Step(double? maxGradNorm = null)
    {
        using var noGrad = no_grad();
        if (!ReferenceEquals(_master, _model)) _master.Grad.copy_(_model.Grad);
        if (LossScaler is not null) _master.Grad.div_(LossScaler.Scale);

        // One reduction serves both the finiteness check and clipping: the norm is finite iff every gradient is.
        var norm = _master.Grad.norm();
        bool finite = norm.isfinite().item<bool>();
        LossScaler?.Update(finite);
        if (!finite)
        {
            SkippedSteps++;
            ZeroGrad();
            return new OptimizerStepOutcome(false, norm);
        }
        // Clipping scales the gradient as AdamW reads it, and AdamW leaves it zeroed: no passes of their own.
        using var coefficient = maxGradNorm is { } limit ? GradientClipping.Coefficient(norm, limit) : null;
        _adamW.Step(coefficient, zeroGradient: true);
        if (!ReferenceEquals(_master, _model))
        {
            _model.Data.copy_(_master.Data);
            _model.ZeroGrad();
        }
        return new OptimizerStepOutcome(true, norm);
    }

    /// <summary>Zeroes the gradients (model and master).</summary>
    public void ZeroGrad()
    {
        _model.ZeroGrad();
        if (!ReferenceEquals(_master, _model)) _master.ZeroGrad();
    }

    public void Dispose()
    {
        _adamW.Dispose();
        if (!ReferenceEquals(_master, _model)) _master.Dispose();
        _model.Dispose();
    }
}
