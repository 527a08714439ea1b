using static TorchSharp.torch;

namespace RerankExperiments.Torch.Randomness;

/// <summary>
/// Everything random a training run draws from, captured for a checkpoint and restored on resume: torch's CPU
/// generator (dropout and initialisation on CPU) and the run's own <see cref="DeterministicRandom"/> (shuffling
/// and sampling). CUDA generators are reseeded per step instead (see <see cref="Seeding.DeriveSeed"/>).
/// </summary>
public sealed record RngState(byte[] TorchCpuState, ulong[] DataRandomState)
{
    /// <summary>Captures the current state.</summary>
    public static RngState Capture(DeterministicRandom dataRandom)
    {
        using var state = get_rng_state();
        return new RngState(state.data<byte>().ToArray(), dataRandom.State);
    }

    /// <summary>Restores torch's CPU generator and returns the data generator as it was.</summary>
    public DeterministicRandom Restore()
    {
        using var state = tensor(TorchCpuState, ScalarType.Byte);
        set_rng_state(state);
        return DeterministicRandom.FromState(DataRandomState);
    }
}
