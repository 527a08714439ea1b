using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Layers;

/// <summary>
/// rows = weight[ids] as one autograd node whose weight gradient is sparse: ∂weight = Σ over positions i of
/// eᵢₐ ⊗ ∂rowsᵢ for a = ids[i], the padding id's rows left out, as a COO tensor of the batch's rows. It is what
/// torch's <c>embedding(…, sparse=True)</c> computes; TorchSharp reaches that only through a module made by
/// <c>Embedding_from_pretrained</c>, whose constructor first fills a new vocabulary-sized weight with random numbers
/// (60–90 ms per call for 30,522 × 384 here — more than the lookup saves — and draws from torch's generator).
/// Stateless, as TorchSharp's functions must be: its one instance is shared.
/// </summary>
public sealed class SparseGradientLookup : autograd.SingleTensorFunction<SparseGradientLookup>
{
    public override string Name => "SparseEmbeddingBackward";

    /// <summary>The rows of <paramref name="weight"/> ([V, H]) at <paramref name="ids"/> (any shape): [.. ids.shape, H].</summary>
    public static Tensor Forward(Tensor weight, Tensor ids, long? paddingIdx) => apply(weight, ids.detach(), paddingIdx);

    /// <param name="ctx">Keeps the ids, the vocabulary size and the padding id.</param>
    /// <param name="vars">The weight, the ids and the padding id (or null).</param>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (weight, ids, paddingIdx) = ((Tensor)vars[0], (Tensor)vars[1], vars[2] as long?);
        ctx.save_for_backward([ids]);
        ctx.save_data("rows", weight.shape[0]);
        ctx.save_data("padding", paddingIdx ?? -1L);
        using var flat = ids.reshape(-1);
        using var rows = weight.index_select(0, flat);
        return rows.view([.. ids.shape, weight.shape[1]]);
    }

    /// <returns>The sparse ∂weight, and none (null) for the ids and the padding id.</returns>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var ids = ctx.get_saved_variables()[0];
        long rows = (long)ctx.get_data("rows"), padding = (long)ctx.get_data("padding");
        using var scope = NewDisposeScope();
        var flat = ids.reshape(1, -1);
        var values = grad_output.reshape(flat.shape[1], -1);
        if (padding >= 0) values = values.masked_fill(flat.eq(padding).view(-1, 1), 0);
        var gradient = sparse_coo_tensor(flat, values, [rows, values.shape[1]]).MoveToOuterDisposeScope();
        ids.Dispose();
        return [gradient, null!, null!];
    }
}
