using System.Diagnostics;
using System.Text;

namespace RerankExperiments.Tests.Support;

/// <summary>
/// The built `rerank` CLI (rerank.dll beside the tests) as a child process: for what only a real process shows —
/// signals, kill -9, exit codes. Output is collected as it comes, so a killed child's last lines are kept.
/// </summary>
public sealed class CliProcess : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();

    CliProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts `rerank <paramref name="arguments"/>` in <paramref name="workingDirectory"/>, offline from the Hub.</summary>
    public static CliProcess Start(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "rerank.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["HF_HUB_OFFLINE"] = "1";
        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("MLFLOW_TRACKING_URI");
        return new CliProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the child wrote so far, stdout and stderr interleaved.</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Sends a signal by name (TERM, INT, KILL) with kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-s", name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -s {name} {_process.Id} failed with exit code {kill.ExitCode}");
    }

    /// <summary>Waits for the exit code; fails the test with the child's output when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> ExitCode(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"rerank did not exit within {timeout}; its output:\n{Output}");
        }
        _process.WaitForExit(); // drains the asynchronous output readers
        return _process.ExitCode;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; false when the child exits first or the time is up.</summary>
    public async Task<bool> WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition()) return true;
            if (_process.HasExited) return condition();
            await Task.Delay(5);
        }
        return false;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
