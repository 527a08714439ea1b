using static TorchSharp.torch;

namespace RerankExperiments.Torch.Randomness;

/// <summary>Seeds torch's generators.</summary>
public static class Seeding
{
    /// <summary>Seeds the CPU generator and, where CUDA is present, every CUDA device's generator.</summary>
    public static void SeedTorch(long seed)
    {
        manual_seed(seed);
        if (cuda.is_available()) cuda.manual_seed_all(seed);
    }

    /// <summary>
    /// A seed for step <paramref name="step"/> of a run seeded with <paramref name="seed"/>. TorchSharp cannot read
    /// a CUDA generator's state, so a trainer on CUDA reseeds the device generators with this at every step:
    /// dropout masks then depend only on (seed, step), and a resumed run draws the same ones.
    /// </summary>
    public static long DeriveSeed(long seed, long step)
    {
        ulong state = (ulong)seed ^ ((ulong)step * 0xD1B54A32D192ED03UL);
        return (long)(DeterministicRandom.SplitMix64(ref state) >> 1);
    }
}
