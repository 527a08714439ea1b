using System.Diagnostics;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Scaling;

/// <summary>
/// The one-node Slurm of scripts/slurm-local.sh for a test: started (installed with apt if missing) when the test
/// begins, stopped at the end when the test started it; jobs the test submitted are cancelled. Needs root and apt,
/// as the test machines have; without them the test fails saying so.
/// </summary>
public sealed class LocalSlurm : IDisposable
{
    readonly bool _startedHere;
    readonly List<string> _jobs = [];

    public LocalSlurm()
    {
        Script = Path.Combine(Fixtures.RepositoryRoot(), "scripts", "slurm-local.sh");
        _startedHere = Run(Script, "status").Exit != 0;
        var (exit, output) = Run(Script, "start");
        if (exit != 0)
            throw new InvalidOperationException($"scripts/slurm-local.sh start failed ({exit}); the Slurm sweep test needs root and apt (slurm-wlm, munge):\n{output}");
    }

    public string Script { get; }

    /// <summary>Jobs to cancel at the end, should the test stop early.</summary>
    public void Track(params string[] jobIds) => _jobs.AddRange(jobIds);

    public static (int Exit, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + errors.Result);
    }

    /// <summary>Waits until none of <paramref name="jobIds"/> (or their array tasks) is in the queue.</summary>
    public static async Task WaitForEnd(IReadOnlyList<string> jobIds, TimeSpan timeout, Func<string> diagnostics)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var (exit, queue) = Run("squeue", "-h", "-r", "-o", "%i %T", "-j", string.Join(',', jobIds));
            if (exit == 0 && queue.Trim().Length == 0) return;
            await Task.Delay(1000);
        }
        throw new TimeoutException($"Slurm jobs {string.Join(',', jobIds)} did not end within {timeout}:\n{diagnostics()}");
    }

    public void Dispose()
    {
        if (_jobs.Count > 0) Run("scancel", [.. _jobs]);
        if (_startedHere) Run(Script, "stop");
    }
}
