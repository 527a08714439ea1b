using System.Text;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// One process at a time in a trial folder: an exclusive lock on <c>.trial.lock</c> (flock on Linux; the kernel drops it
/// when the holder dies, also by kill -9 or the OOM killer), holding the MLflow run id of its holder. Whoever takes
/// the lock next and finds a run id there knows that run's process ended, finished or not: a run still RUNNING in the
/// store died without a word and can be marked KILLED.
/// </summary>
public sealed class TrialLock : IDisposable
{
    public const string FileName = ".trial.lock";

    readonly FileStream _file;

    TrialLock(FileStream file, string? previousRunId)
    {
        _file = file;
        PreviousRunId = previousRunId;
    }

    /// <summary>The run id the last holder wrote, if any.</summary>
    public string? PreviousRunId { get; }

    /// <summary>
    /// Takes the lock of <paramref name="trialDirectory"/> (created if need be); throws <see cref="TrialBusyException"/>
    /// when another process holds it.
    /// </summary>
    public static TrialLock Acquire(string trialDirectory)
    {
        Directory.CreateDirectory(trialDirectory);
        string path = Path.Combine(trialDirectory, FileName);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException error) when (File.Exists(path))
        {
            throw new TrialBusyException(trialDirectory, error);
        }
        using var reader = new StreamReader(file, Encoding.UTF8, leaveOpen: true);
        string previous = reader.ReadToEnd().Trim();
        return new TrialLock(file, previous.Length > 0 ? previous : null);
    }

    /// <summary>Writes <paramref name="runId"/> as this holder's run.</summary>
    public void Record(string runId)
    {
        _file.SetLength(0);
        _file.Write(Encoding.UTF8.GetBytes(runId + "\n"));
        _file.Flush(flushToDisk: true);
    }

    public void Dispose() => _file.Dispose();
}
