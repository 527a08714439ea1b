using TorchSharp;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// Sets libtorch's intra-op threads to the cores this process may use before a command runs a model. libtorch counts
/// the machine's cores; .NET's <see cref="Environment.ProcessorCount"/> also honours the CPU affinity and the cgroup
/// quota a container, CI runner or scheduler gives the process, so a job limited to 4 of 64 cores runs 4 threads
/// instead of 64 competing for 4 (which slows every matrix product). OMP_NUM_THREADS, when set, wins.
/// </summary>
public static class TorchThreads
{
    /// <summary>The commands that run models (the others never load libtorch, so they start faster without this).</summary>
    public static readonly IReadOnlySet<string> ModelCommands = new HashSet<string> { "run", "train", "score", "rank", "eval", "mine", "merge", "smoke" };

    public static void ConfigureFor(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || !ModelCommands.Contains(args[0])) return;
        torch.set_num_threads(Count(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), Environment.ProcessorCount));
    }

    /// <summary>The thread count: a positive OMP_NUM_THREADS, else the usable cores.</summary>
    public static int Count(string? ompNumThreads, int processorCount) =>
        int.TryParse(ompNumThreads, out int threads) && threads > 0 ? threads : processorCount;
}
