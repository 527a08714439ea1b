using RerankExperiments.Torch.Randomness;
using RerankExperiments.Torch.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Layers;

/// <summary>
/// Attention with dropout on its probabilities, for fp32 CPU training, as one autograd node that keeps only the
/// probabilities P and one seed per chunk of examples:
/// <code>
/// forward:  P = softmax(q·kᵀ/√d + mask);  D = dropout(P);  out = D·v
/// backward: D again from P and the seed;  ∂v = Dᵀ·∂out;  ∂P = dropout(∂out·vᵀ);  ∂S = P ⊙ (∂P − Σⱼ ∂Pⱼ·Pⱼ)
///           ∂q = ∂S·k/√d;  ∂k = ∂Sᵀ·q/√d
/// </code>
/// Composed from libtorch operations, autograd would keep P, D and the bool mask — three S × S tensors per layer,
/// the largest thing a training step holds — and run masked_fill both ways; here dropout is the one-pass
/// <see cref="DropoutMasks.Apply"/> kernel (forward, and twice in backward), its mask redrawn from the seed.
/// Examples go a few at a time (<see cref="AttentionChunks"/>), forward and backward.
/// Stateless, as TorchSharp's functions must be: its one instance is shared.
/// </summary>
public sealed class AttentionDropoutFunction : autograd.SingleTensorFunction<AttentionDropoutFunction>
{
    public override string Name => "AttentionDropoutBackward";

    /// <summary>softmax(q·kᵀ/√d + mask) with dropout <paramref name="p"/> in (0, 1), times v; all fp32 on the CPU.</summary>
    /// <param name="query">[B, A, S, d]</param>
    /// <param name="key">[B, A, S, d]</param>
    /// <param name="value">[B, A, S, d]</param>
    /// <param name="additiveMask">Broadcastable to [B, A, S, S], or null; never differentiated.</param>
    /// <param name="p">The dropout probability.</param>
    public static Tensor Forward(Tensor query, Tensor key, Tensor value, Tensor? additiveMask, double p) =>
        apply(query, key, value, additiveMask?.detach(), p);

    /// <param name="ctx">Keeps q, k, v, P, and the chunks' seeds.</param>
    /// <param name="vars">q, k, v, the additive mask (or null) and p.</param>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (query, key, value, mask, p) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], vars[3] as Tensor, (double)vars[4]);
        double scale = 1 / Math.Sqrt(query.shape[^1]);
        var chunks = AttentionChunks.Of(query, key);
        // One [B, A, S, T] tensor for every chunk's probabilities, not one tensor per chunk: many mid-sized blocks
        // held until backward fragmented glibc's heap (peak memory +7–9 % in random-batch MiniLM training, measured).
        var probabilities = empty([query.shape[0], query.shape[1], query.shape[2], key.shape[2]], query.dtype, query.device);
        var seeds = new ulong[chunks.Count];
        var outputs = new List<Tensor>(chunks.Count);
        for (int c = 0; c < chunks.Count; c++)
        {
            using var scope = NewDisposeScope();
            var (first, size) = chunks[c];
            var scores = CheckedOps.MatMul(query.narrow(0, first, size) * scale, key.narrow(0, first, size).transpose(-2, -1));
            if (AttentionChunks.Mask(mask, first, size) is { } chunkMask) scores.add_(chunkMask);
            var chunkProbabilities = probabilities.narrow(0, first, size).copy_(scores.softmax(-1));
            seeds[c] = DropoutMasks.DrawSeed();
            var dropped = empty_like(chunkProbabilities);
            DropoutMasks.Apply(chunkProbabilities, dropped, p, seeds[c]);
            outputs.Add(CheckedOps.MatMul(dropped, value.narrow(0, first, size)).MoveToOuterDisposeScope());
        }
        ctx.save_for_backward([query, key, value, probabilities]);
        ctx.save_data("p", p);
        ctx.save_data("seeds", seeds);
        ctx.save_data("chunks", chunks);
        return AttentionChunks.Joined(outputs);
    }

    /// <returns>∂q, ∂k, ∂v, and none (null) for the mask and p: one entry per argument of forward.</returns>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables();
        var (query, key, value) = (saved[0], saved[1], saved[2]);
        double p = (double)ctx.get_data("p");
        var seeds = (ulong[])ctx.get_data("seeds");
        var chunks = (List<(long First, long Size)>)ctx.get_data("chunks");
        double scale = 1 / Math.Sqrt(query.shape[^1]);
        var gradQuery = new List<Tensor>(chunks.Count);
        var gradKey = new List<Tensor>(chunks.Count);
        var gradValue = new List<Tensor>(chunks.Count);
        for (int c = 0; c < chunks.Count; c++)
        {
            using var scope = NewDisposeScope();
            var (first, size) = chunks[c];
            var probabilities = saved[3].narrow(0, first, size);
            var q = query.narrow(0, first, size);
            var k = key.narrow(0, first, size);
            var v = value.narrow(0, first, size);
            var upstream = grad_output.narrow(0, first, size);
            var dropped = empty_like(probabilities);
            DropoutMasks.Apply(probabilities, dropped, p, seeds[c]);
            gradValue.Add(CheckedOps.MatMul(dropped.transpose(-2, -1), upstream).MoveToOuterDisposeScope());
            var gradDropped = CheckedOps.MatMul(upstream, v.transpose(-2, -1)).contiguous();
            DropoutMasks.Apply(gradDropped, gradDropped, p, seeds[c]);
            // softmax backward: ∂S = P ⊙ (∂P − rowsum(∂P ⊙ P)), in place on ∂P.
            var rowSums = (gradDropped * probabilities).sum(-1, keepdim: true);
            var gradScores = gradDropped.sub_(rowSums).mul_(probabilities).mul_(scale);
            gradQuery.Add(CheckedOps.MatMul(gradScores, k).MoveToOuterDisposeScope());
            gradKey.Add(CheckedOps.MatMul(gradScores.transpose(-2, -1), q).MoveToOuterDisposeScope());
        }
        foreach (var tensor in saved) tensor.Dispose();
        return [AttentionChunks.Joined(gradQuery), AttentionChunks.Joined(gradKey), AttentionChunks.Joined(gradValue), null!, null!];
    }
}
