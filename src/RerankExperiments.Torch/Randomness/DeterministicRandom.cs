namespace RerankExperiments.Torch.Randomness;

/// <summary>
/// A small, fast generator whose whole state is four 64-bit words (xoshiro256**, seeded through SplitMix64), so
/// data shuffling and negative sampling can be checkpointed and resumed exactly, which System.Random cannot.
/// </summary>
public sealed class DeterministicRandom
{
    ulong _s0, _s1, _s2, _s3;

    public DeterministicRandom(long seed)
    {
        ulong x = (ulong)seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>Recreates a generator from <see cref="State"/>.</summary>
    public static DeterministicRandom FromState(IReadOnlyList<ulong> state)
    {
        if (state.Count != 4 || state.All(w => w == 0)) throw new ArgumentException("A generator state is four words, not all zero.", nameof(state));
        return new DeterministicRandom(0) { _s0 = state[0], _s1 = state[1], _s2 = state[2], _s3 = state[3] };
    }

    /// <summary>The whole state.</summary>
    public ulong[] State => [_s0, _s1, _s2, _s3];

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitRotate(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitRotate(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int Next(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        ulong bound = (ulong)maxExclusive;
        ulong threshold = (0 - bound) % bound;
        while (true)
        {
            ulong value = NextUInt64();
            UInt128 product = (UInt128)value * bound;
            if ((ulong)product >= threshold) return (int)(product >> 64);
        }
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>One SplitMix64 step: a well-mixed 64-bit value from a counter (also used to derive seeds).</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    static ulong BitRotate(ulong x, int k) => (x << k) | (x >> (64 - k));
}
