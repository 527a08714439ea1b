using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Layers;

/// <summary>
/// A token-embedding lookup whose weight gradient costs what the batch costs, not what the vocabulary costs. The
/// dense backward of an embedding allocates a zeroed vocabulary × hidden gradient every step (47 MB for BERT's
/// 30,522 × 384 — above glibc's mmap threshold, so fresh pages are faulted in each time), scatters the batch's rows
/// into it and adds all of it to the parameter's gradient: 18.5 ms per step on this project's 2-core CPU, measured
/// with a 16 × 97 batch. So in training on the CPU the lookup is <see cref="SparseGradientLookup"/>, whose gradient
/// is a sparse tensor of the batch's rows that autograd adds straight into the existing dense gradient (0.1–0.2 ms);
/// the gradient it leaves is the same dense tensor, with the same values (the padding row gets none either way).
/// Elsewhere — evaluation, or a GPU, where the dense kernel is cheap and sparse accumulation in bf16 is untested
/// here — it is the module's own forward.
/// </summary>
/// <remarks>
/// The parameter's gradient must already exist as a dense tensor (the trainer's <c>FlatParameters</c> binds every
/// gradient before the first step); otherwise autograd would store the sparse gradient itself.
/// </remarks>
public static class TokenEmbeddingLookup
{
    /// <summary><paramref name="embedding"/>(<paramref name="ids"/>), with a sparse weight gradient in CPU training.</summary>
    public static Tensor Forward(Embedding embedding, Tensor ids, long? paddingIdx, bool training)
    {
        var weight = embedding.weight ?? throw new InvalidOperationException("The embedding has no weight.");
        if (!training || !weight.requires_grad || weight.device_type != DeviceType.CPU || weight.grad is null || weight.grad.is_sparse)
            return embedding.forward(ids);
        return SparseGradientLookup.Forward(weight, ids, paddingIdx);
    }
}
