using RerankExperiments.Torch.Tensors;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Randomness;

/// <summary>
/// Dropout's Bernoulli masks drawn on all cores. libtorch's CPU <c>bernoulli_</c> draws one element at a time on one
/// thread: 131 ms for the 12.6 M attention probabilities of one MiniLM layer at batch 16 × 256 (≈ 10 ns per element,
/// measured here), more than that layer's matrix products, so attention dropout tripled a training forward pass.
/// Each call takes one seed from torch's CPU generator — torch.manual_seed and a captured generator state therefore
/// fix the masks, and a resumed run draws the same ones — and chunk c of the mask comes from xoshiro256** seeded with
/// SplitMix64(seed, c): the mask is a function of the seed alone, whatever the number of threads.
/// </summary>
public static class DropoutMasks
{
    const int ChunkElements = 1 << 16;

    /// <summary>
    /// A bool tensor of <paramref name="shape"/> on the CPU, each element true (dropped) with probability
    /// <paramref name="p"/> (exact to 2⁻³²), independently.
    /// </summary>
    public static unsafe Tensor Dropped(ReadOnlySpan<long> shape, double p)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "a dropout probability is in [0, 1]");
        var mask = empty(shape.ToArray(), ScalarType.Bool);
        long count = mask.numel();
        if (count == 0) return mask;
        ulong seed = DrawSeed();
        ulong threshold = (ulong)Math.Round(p * 4294967296.0); // drop when a uniform 32-bit draw is below it
        long chunks = (count + ChunkElements - 1) / ChunkElements;
        // Tensor memory is native and never moves, so its address can go to the worker threads.
        var start = (byte*)TensorBytes.Address(mask);
        Parallel.For(0L, chunks, chunk =>
        {
            long offset = chunk * ChunkElements;
            int length = (int)Math.Min(ChunkElements, count - offset);
            Fill(new Span<byte>(start + offset, length), threshold, seed, (ulong)chunk);
        });
        return mask;
    }

    /// <summary>63 bits from torch's CPU generator (two 31-bit-range draws, so no dtype limit is involved).</summary>
    static ulong DrawSeed()
    {
        using var draw = randint(0, 1L << 31, [2], dtype: ScalarType.Int64);
        var values = draw.data<long>(); // read in place: indexing would make tensors of its own
        return ((ulong)values[0] << 32) ^ (ulong)values[1];
    }

    static void Fill(Span<byte> target, ulong threshold, ulong seed, ulong chunk)
    {
        ulong state = seed ^ (chunk * 0x9E3779B97F4A7C15UL);
        ulong s0 = DeterministicRandom.SplitMix64(ref state), s1 = DeterministicRandom.SplitMix64(ref state);
        ulong s2 = DeterministicRandom.SplitMix64(ref state), s3 = DeterministicRandom.SplitMix64(ref state);
        int i = 0;
        while (i < target.Length)
        {
            // xoshiro256**: one 64-bit draw gives two 32-bit uniforms.
            ulong draw = ulong.RotateLeft(s1 * 5, 7) * 9;
            ulong t = s1 << 17;
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = ulong.RotateLeft(s3, 45);
            target[i++] = (draw & 0xFFFF_FFFFUL) < threshold ? (byte)1 : (byte)0;
            if (i < target.Length) target[i++] = (draw >> 32) < threshold ? (byte)1 : (byte)0;
        }
    }
}
