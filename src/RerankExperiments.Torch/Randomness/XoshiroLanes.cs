using System.Runtime.Intrinsics;

namespace RerankExperiments.Torch.Randomness;

/// <summary>
/// Four xoshiro256** generators side by side, one per 64-bit lane of a 256-bit vector: each draw advances all four and
/// gives eight 32-bit uniforms, as many as a vector holds floats — so a dropout kernel draws its mask and applies it in
/// the same pass, vector by vector. The multiplications by 5 and 9 are shifts and adds and the rotations are shift
/// pairs, which AVX2 has for 64-bit lanes (it has no 64-bit multiply). A fixed 256-bit width, not
/// <see cref="System.Numerics.Vector{T}"/>, so the stream — and so every mask — is the same on every machine.
/// </summary>
internal struct XoshiroLanes
{
    Vector256<ulong> _s0, _s1, _s2, _s3;

    /// <summary>Lanes seeded from SplitMix64 of <paramref name="seed"/> mixed with <paramref name="stream"/>.</summary>
    public XoshiroLanes(ulong seed, ulong stream)
    {
        ulong state = seed ^ (stream * 0x9E3779B97F4A7C15UL);
        _s0 = Next4(ref state);
        _s1 = Next4(ref state);
        _s2 = Next4(ref state);
        _s3 = Next4(ref state);
    }

    static Vector256<ulong> Next4(ref ulong state) => Vector256.Create(
        DeterministicRandom.SplitMix64(ref state), DeterministicRandom.SplitMix64(ref state),
        DeterministicRandom.SplitMix64(ref state), DeterministicRandom.SplitMix64(ref state));

    /// <summary>
    /// Eight uniform 32-bit draws: element 2j is the low half of lane j's 64-bit output, element 2j + 1 the high half.
    /// The step is <see cref="DeterministicRandom.NextUInt64"/>'s, lane-wise (a test checks lane 0 against it).
    /// </summary>
    public Vector256<uint> NextUniforms()
    {
        var fiveS1 = Vector256.ShiftLeft(_s1, 2) + _s1;
        var rotated = RotateLeft(fiveS1, 7);
        var result = Vector256.ShiftLeft(rotated, 3) + rotated;
        var t = Vector256.ShiftLeft(_s1, 17);
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result.AsUInt32();
    }

    static Vector256<ulong> RotateLeft(Vector256<ulong> x, int k) =>
        Vector256.ShiftLeft(x, k) | Vector256.ShiftRightLogical(x, 64 - k);
}
