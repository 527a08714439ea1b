namespace RerankExperiments.Hub;

/// <summary>
/// An exclusive lock file per blob, so two processes (or two calls) downloading the same blob do not write the
/// same .incomplete file. FileShare.None maps to an advisory flock on Unix, released when the handle closes.
/// </summary>
internal sealed class CacheLock : IDisposable
{
    private readonly FileStream _handle;

    private CacheLock(FileStream handle) => _handle = handle;

    public static async Task<CacheLock> AcquireAsync(string path, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        while (true)
        {
            try
            {
                return new CacheLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException)
            {
                // Held by another download of the same blob; it ends when that download does.
                await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _handle.Dispose();
}
