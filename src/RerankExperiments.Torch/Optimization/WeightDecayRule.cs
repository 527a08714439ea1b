using static TorchSharp.torch;

namespace RerankExperiments.Torch.Optimization;

/// <summary>Which parameters take weight decay.</summary>
public static class WeightDecayRule
{
    /// <summary>
    /// The Hugging Face Trainer's choice, by name: no decay for biases or for the weights of normalisation layers
    /// (<c>LayerNorm.weight</c>, <c>norm.weight</c>, <c>attn_norm.weight</c>, <c>final_norm.weight</c>);
    /// everything else decays, embeddings included.
    /// </summary>
    public static bool HuggingFaceDefault(string name, Tensor parameter)
    {
        int dot = name.LastIndexOf('.');
        string leaf = dot < 0 ? name : name[(dot + 1)..];
        string owner = dot < 0 ? "" : name[..dot];
        if (leaf.Contains("bias", StringComparison.OrdinalIgnoreCase)) return false;
        int ownerDot = owner.LastIndexOf('.');
        string module = ownerDot < 0 ? owner : owner[(ownerDot + 1)..];
        return !module.Contains("norm", StringComparison.OrdinalIgnoreCase);
    }
}
