using System.Diagnostics;

namespace RerankExperiments.Bench;

/// <summary>
/// Timing by repetition: a warm-up, then several timed rounds of a fixed number of calls; the median round is
/// the figure (robust to the odd descheduled round on a shared machine).
/// </summary>
public static class Measurement
{
    /// <summary>Median seconds per call of <paramref name="action"/>.</summary>
    public static double SecondsPerCall(Action action, int callsPerRound, int rounds = 7, int warmupCalls = 3)
    {
        for (int i = 0; i < warmupCalls; i++) action();
        var perCall = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < callsPerRound; i++) action();
            perCall[round] = clock.Elapsed.TotalSeconds / callsPerRound;
        }
        Array.Sort(perCall);
        return perCall[rounds / 2];
    }

    /// <summary>Peak resident memory of this process so far, in MiB (Linux: VmHWM).</summary>
    public static double PeakResidentMiB()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return double.NaN;
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) / 1024.0;
        return double.NaN;
    }
}
