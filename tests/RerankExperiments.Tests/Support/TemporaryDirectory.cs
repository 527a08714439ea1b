namespace RerankExperiments.Tests.Support;

/// <summary>A fresh directory under the system temp folder (or another parent), deleted on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    /// <summary>Linux's memory-backed folder: thousands of small writes there take microseconds, not a disk flush each.</summary>
    const string SharedMemory = "/dev/shm";

    public TemporaryDirectory() : this(System.IO.Path.GetTempPath())
    {
    }

    TemporaryDirectory(string parent)
    {
        Path = System.IO.Path.Combine(parent, "rerank-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>A directory in memory where the system has one (/dev/shm), else in the temp folder: for the fuzz tests' many small files.</summary>
    public static TemporaryDirectory InMemory() =>
        Directory.Exists(SharedMemory) ? new TemporaryDirectory(SharedMemory) : new TemporaryDirectory();

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
