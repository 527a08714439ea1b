using System.Numerics;

namespace RerankExperiments.Torch.Optimization;

/// <summary>The scalars of one AdamW step, in the single precision the update is computed in.</summary>
/// <param name="GradientScale">Multiplies each gradient as it is read (the clipping coefficient; 1 when not clipping).</param>
/// <param name="Decay">1 − η·λ, applied to the decayed prefix.</param>
/// <param name="Beta1Complement">1 − β₁, the weight of lerp(m, g).</param>
/// <param name="Beta2">β₂.</param>
/// <param name="Beta2Complement">1 − β₂.</param>
/// <param name="BiasCorrection2Sqrt">√(1 − β₂ᵗ).</param>
/// <param name="Epsilon">ε.</param>
/// <param name="NegativeStepSize">−η / (1 − β₁ᵗ).</param>
public readonly record struct AdamWScalars(float GradientScale, float Decay, float Beta1Complement, float Beta2,
    float Beta2Complement, float BiasCorrection2Sqrt, float Epsilon, float NegativeStepSize);

/// <summary>
/// AdamW in one pass over memory, on all cores: each element's gradient, value and both moments are read once and
/// written once (the gradient as zero, when asked). The same update as <see cref="FlatAdamW"/>'s seven libtorch
/// kernels — and so as torch.optim.AdamW — which read and write the 23 M elements of a MiniLM-sized model some
/// twenty times, plus a temporary the size of the model: on this project's 2-core CPU that was 8–10 % of a
/// length-grouped MiniLM training step, and a BERT-base step took 310–338 ms against 53.5 ms now (bench/README.md).
/// Per element, in fp32, in torch's order:
/// <code>
/// g ← g·s;  θ ← θ·(1 − ηλ) (decayed prefix);  m ← m + (1 − β₁)(g − m);  v ← v·β₂ + (1 − β₂)·g·g
/// θ ← θ + (−η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// lerp uses a fused multiply-add as libtorch's vectorised lerp does; elsewhere contraction may differ from the
/// compiler that built libtorch by an ulp.
/// </summary>
public static class AdamWKernel
{
    const int ChunkElements = 1 << 15; // 128 KiB per array: four arrays stay in a core's L2 while a chunk is worked

    /// <summary>
    /// Updates <paramref name="count"/> elements at the given addresses (fp32, contiguous); the first
    /// <paramref name="decayedCount"/> take weight decay; with <paramref name="zeroGradient"/> the gradient is left zeroed.
    /// </summary>
    public static unsafe void Step(nint parameters, nint gradients, nint expAvg, nint expAvgSq, long count, long decayedCount,
        in AdamWScalars scalars, bool zeroGradient)
    {
        var s = scalars;
        Parallel.For(0L, (count + ChunkElements - 1) / ChunkElements, chunk =>
        {
            long start = chunk * ChunkElements, end = Math.Min(count, start + ChunkElements);
            long split = Math.Clamp(decayedCount, start, end);
            if (split > start) Range((float*)parameters, (float*)gradients, (float*)expAvg, (float*)expAvgSq, start, split, s, decay: true, zeroGradient);
            if (end > split) Range((float*)parameters, (float*)gradients, (float*)expAvg, (float*)expAvgSq, split, end, s, decay: false, zeroGradient);
        });
    }

    static unsafe void Range(float* theta, float* grad, float* m, float* v, long start, long end, AdamWScalars s, bool decay, bool zeroGradient)
    {
        int width = Vector<float>.Count;
        long i = start;
        var scale = new Vector<float>(s.GradientScale);
        var decayFactor = new Vector<float>(s.Decay);
        var w1 = new Vector<float>(s.Beta1Complement);
        var b2 = new Vector<float>(s.Beta2);
        var w2 = new Vector<float>(s.Beta2Complement);
        var correction = new Vector<float>(s.BiasCorrection2Sqrt);
        var epsilon = new Vector<float>(s.Epsilon);
        var stepSize = new Vector<float>(s.NegativeStepSize);
        // libtorch's lerp(start, end, w): start + w·(end − start) for |w| < 0.5, else end − (1 − w)·(end − start).
        bool lerpFromStart = Math.Abs(s.Beta1Complement) < 0.5f;
        float negativeComplement = -(1 - s.Beta1Complement);
        var w1Complement = new Vector<float>(negativeComplement);
        for (; i + width <= end; i += width)
        {
            var g = Vector.Load(grad + i) * scale;
            var p = Vector.Load(theta + i);
            if (decay) p *= decayFactor;
            var mi = Vector.Load(m + i);
            mi = lerpFromStart ? Vector.FusedMultiplyAdd(w1, g - mi, mi) : Vector.FusedMultiplyAdd(w1Complement, g - mi, g);
            var vi = Vector.Load(v + i) * b2 + w2 * g * g;
            var denominator = Vector.SquareRoot(vi) / correction + epsilon;
            p += stepSize * (mi / denominator);
            mi.Store(m + i);
            vi.Store(v + i);
            p.Store(theta + i);
            if (zeroGradient) Vector<float>.Zero.Store(grad + i);
        }
        for (; i < end; i++)
        {
            float g = grad[i] * s.GradientScale;
            float p = decay ? theta[i] * s.Decay : theta[i];
            m[i] = lerpFromStart ? MathF.FusedMultiplyAdd(s.Beta1Complement, g - m[i], m[i]) : MathF.FusedMultiplyAdd(negativeComplement, g - m[i], g);
            v[i] = v[i] * s.Beta2 + s.Beta2Complement * g * g;
            float denominator = MathF.Sqrt(v[i]) / s.BiasCorrection2Sqrt + s.Epsilon;
            theta[i] = p + s.NegativeStepSize * (m[i] / denominator);
            if (zeroGradient) grad[i] = 0;
        }
    }
}
