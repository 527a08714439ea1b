using System.Runtime.Intrinsics;
using RerankExperiments.Torch.Tensors;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Randomness;

/// <summary>
/// Dropout's Bernoulli masks, vectorised: as a bool tensor, as the fp32 factors dropout multiplies by, or applied to
/// fp32 values in the same pass that draws them. libtorch's CPU <c>bernoulli_</c> draws one element at a time: 131 ms
/// for the 12.6 M attention probabilities of one MiniLM layer at batch 16 × 256 (≈ 10 ns per element, measured here),
/// more than that layer's matrix products. Each mask is a function of a 64-bit seed alone: chunk c of 2¹⁶ elements
/// comes from <see cref="XoshiroLanes"/> seeded with (seed, c), element i of a chunk from the i-th 32-bit uniform,
/// dropped when it is below p·2³² — the same for <see cref="Dropped(ReadOnlySpan{long}, double, ulong)"/>,
/// <see cref="Scales"/> and <see cref="Apply"/>. So a dropout need not keep its mask for the backward pass: it redraws
/// it from the seed. Seeds come from torch's CPU generator (<see cref="DrawSeed"/>): torch.manual_seed and a captured
/// generator state fix the masks, and a resumed run draws the same ones.
/// The chunks are drawn one after another on the calling thread: spread over the .NET thread pool they were 2–5×
/// slower right after a libtorch operation — 1.0–1.3 ms against 0.06–0.27 ms for 600 K elements, 4.5–4.9 against
/// 1.7–2.0 ms for 6 M (2 cores, measured here) —, the pool's workers contending for the cores with libtorch's OpenMP
/// threads, which spin for a while after each parallel region.
/// </summary>
public static class DropoutMasks
{
    const int ChunkElements = 1 << 16;

    /// <summary>
    /// A bool tensor of <paramref name="shape"/> on the CPU, each element true (dropped) with probability
    /// <paramref name="p"/> (exact to 2⁻³²), independently, from a seed drawn from torch's generator.
    /// </summary>
    public static Tensor Dropped(ReadOnlySpan<long> shape, double p)
    {
        CheckProbability(p, allowOne: true); // before drawing: a bad p leaves the generator where it was
        return Dropped(shape, p, DrawSeed());
    }

    /// <summary>The mask of <paramref name="seed"/>: true where <see cref="Apply"/> with that seed zeroes.</summary>
    public static unsafe Tensor Dropped(ReadOnlySpan<long> shape, double p, ulong seed)
    {
        CheckProbability(p, allowOne: true);
        var mask = empty(shape.ToArray(), ScalarType.Bool);
        long count = mask.numel();
        if (count == 0) return mask;
        if (p == 1) return mask.fill_(true);
        uint threshold = Threshold(p);
        var start = (byte*)TensorBytes.Address(mask);
        var bound = Vector256.Create(threshold);
        for (long offset = 0; offset < count; offset += ChunkElements)
        {
            int length = (int)Math.Min(ChunkElements, count - offset);
            var lanes = new XoshiroLanes(seed, (ulong)(offset / ChunkElements));
            byte* target = start + offset;
            int i = 0;
            for (; i + 8 <= length; i += 8)
            {
                uint bits = Vector256.LessThan(lanes.NextUniforms(), bound).ExtractMostSignificantBits();
                *(ulong*)(target + i) = Spread(bits); // eight bool bytes at once
            }
            if (i < length)
            {
                var last = lanes.NextUniforms();
                for (int j = 0; i < length; i++, j++) target[i] = last[j] < threshold ? (byte)1 : (byte)0;
            }
        }
        return mask;
    }

    /// <summary>
    /// The fp32 factors of the mask of <paramref name="seed"/>: 0 where <see cref="Dropped(ReadOnlySpan{long}, double, ulong)"/>
    /// is true, (float)(1 / (1 − p)) elsewhere — what dropout multiplies its input by, as torch's own dropout does.
    /// </summary>
    public static unsafe Tensor Scales(ReadOnlySpan<long> shape, double p, ulong seed)
    {
        CheckProbability(p, allowOne: false);
        var scales = empty(shape.ToArray(), ScalarType.Float32);
        if (scales.numel() > 0) Dropout(null, (float*)TensorBytes.Address(scales), scales.numel(), p, seed);
        return scales;
    }

    /// <summary>
    /// destination = dropout(source): each fp32 element zeroed where <see cref="Dropped(ReadOnlySpan{long}, double, ulong)"/>
    /// with the same <paramref name="seed"/> is true, the rest multiplied by (float)(1 / (1 − p)) — in one pass over
    /// both, the mask never stored. Both tensors contiguous on the CPU with as many elements; they may be the same.
    /// Backward of dropout is the same operation on the gradient with the same seed.
    /// </summary>
    public static unsafe void Apply(Tensor source, Tensor destination, double p, ulong seed)
    {
        CheckProbability(p, allowOne: false);
        if (source.dtype != ScalarType.Float32 || destination.dtype != ScalarType.Float32)
            throw new ArgumentException($"The dropout kernel takes fp32, not {source.dtype} → {destination.dtype}.");
        long count = source.numel();
        if (destination.numel() != count) throw new ArgumentException($"Dropout of {count} elements into {destination.numel()}.");
        if (count == 0) return;
        Dropout((float*)TensorBytes.Address(source), (float*)TensorBytes.Address(destination), count, p, seed);
    }

    /// <summary>
    /// to = from·(1 / (1 − p)) where kept and +0 where dropped (as masked_fill leaves it); with no <paramref name="from"/>,
    /// the factors themselves.
    /// </summary>
    static unsafe void Dropout(float* from, float* to, long count, double p, ulong seed)
    {
        uint threshold = Threshold(p);
        float scaleValue = (float)(1 / (1 - p));
        var bound = Vector256.Create(threshold);
        var scale = Vector256.Create(scaleValue);
        for (long offset = 0; offset < count; offset += ChunkElements)
        {
            int length = (int)Math.Min(ChunkElements, count - offset);
            var lanes = new XoshiroLanes(seed, (ulong)(offset / ChunkElements));
            float* x = from + offset, y = to + offset;
            int i = 0;
            for (; i + 8 <= length; i += 8)
            {
                // All ones where kept, so the AND leaves the scaled value there and +0 where dropped.
                var kept = Vector256.GreaterThanOrEqual(lanes.NextUniforms(), bound).AsSingle();
                Vector256.Store((from is null ? scale : Vector256.Load(x + i) * scale) & kept, y + i);
            }
            if (i < length)
            {
                var last = lanes.NextUniforms();
                for (int j = 0; i < length; i++, j++) y[i] = last[j] < threshold ? 0f : from is null ? scaleValue : x[i] * scaleValue;
            }
        }
    }

    /// <summary>63 bits from torch's CPU generator (two 31-bit-range draws, so no dtype limit is involved).</summary>
    public static ulong DrawSeed()
    {
        using var draw = randint(0, 1L << 31, [2], dtype: ScalarType.Int64);
        var values = draw.data<long>(); // read in place: indexing would make tensors of its own
        return ((ulong)values[0] << 32) ^ (ulong)values[1];
    }

    /// <summary>A mask may drop everything (p = 1); dropout that scales by 1 / (1 − p) must keep something (p &lt; 1).</summary>
    static void CheckProbability(double p, bool allowOne)
    {
        if (!(p is >= 0 and <= 1 && (allowOne || p < 1)))
            throw new ArgumentOutOfRangeException(nameof(p), p, $"a dropout probability is in [0, 1{(allowOne ? "]" : ")")}");
    }

    /// <summary>Dropped when a uniform 32-bit draw is below this; p within 2⁻³³ of 1 rounds to all but one value.</summary>
    static uint Threshold(double p) => (uint)Math.Min(uint.MaxValue, Math.Round(p * 4294967296.0));

    /// <summary>Bit j of the low byte of <paramref name="bits"/> as byte j (0 or 1) of the result.</summary>
    static ulong Spread(uint bits) => SpreadNibble(bits & 0xF) | SpreadNibble((bits >> 4) & 0xF) << 32;

    /// <summary>
    /// Four bits to four bytes by one multiply: copy k of the nibble lands 7k bits up, so bit k of copy k sits at 8k and
    /// no two copies ever set the same bit (no carries) — plain arithmetic, where PDEP is microcoded on older AMD cores.
    /// </summary>
    static ulong SpreadNibble(uint nibble) => (nibble * 0x00204081UL) & 0x01010101UL;
}
