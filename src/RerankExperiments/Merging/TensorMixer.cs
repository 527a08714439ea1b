using RerankExperiments.Torch.Tensors;
using static TorchSharp.torch;

namespace RerankExperiments.Merging;

/// <summary>
/// Merges one named tensor of N checkpoints, reading one model's copy at a time.
/// Floating-point tensors: θ = Σᵢ wᵢ·θᵢ, computed in float64 as ((w₀·θ₀) + w₁·θ₁) + … — each product and each sum
/// rounded once (a multiply then an add, never a fused multiply-add), models in the order given — then rounded once
/// to the tensor's stored dtype (fp32, fp16 and bf16 stay what they were). Integer and bool tensors (buffers such as
/// position_ids) are not averaged: every model must hold the same values, and the first model's are kept
/// (LM-Cocktail copies them silently, the last model winning; here a difference is an error).
/// </summary>
public static class TensorMixer
{
    /// <summary>The merged tensor, in the dtype and shape the checkpoints store it (checked equal beforehand).</summary>
    public static Tensor Mix(string name, IReadOnlyList<ITensorSource> sources, IReadOnlyList<double> weights, IReadOnlyList<string> models)
    {
        if (sources.Count == 0 || sources.Count != weights.Count || sources.Count != models.Count)
            throw new ArgumentException($"{sources.Count} checkpoints, {weights.Count} weights and {models.Count} model names; they must be equal in number and non-zero.");
        using var scope = NewDisposeScope();
        var dtype = sources[0].Describe(name).DType;
        if (dtype is not (ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64))
        {
            var kept = sources[0].Read(name);
            for (int i = 1; i < sources.Count; i++)
            {
                using var other = sources[i].Read(name);
                if (!kept.equal(other).all().item<bool>())
                    throw new ModelMergeException(name, models[0], models[i], $"is a {dtype} tensor (not averaged) whose values differ between the models");
            }
            return kept.MoveToOuterDisposeScope();
        }

        var sum = sources[0].Read(name, ScalarType.Float64).mul_(weights[0]);
        for (int i = 1; i < sources.Count; i++)
        {
            using var term = sources[i].Read(name, ScalarType.Float64).mul_(weights[i]);
            sum.add_(term);
        }
        return sum.to(dtype).MoveToOuterDisposeScope();
    }
}
