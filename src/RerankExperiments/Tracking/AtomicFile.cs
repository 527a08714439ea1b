using System.Text;

namespace RerankExperiments.Tracking;

/// <summary>
/// Whole-file writes that readers in other processes never see half done: write a temporary sibling, flush it,
/// then rename it over the target (atomic on one filesystem).
/// </summary>
internal static class AtomicFile
{
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/>. <paramref name="temporaryDirectory"/> (same
    /// filesystem) keeps the temporary file out of folders whose every file means something, like params/ and tags/,
    /// where a crash would otherwise leave a stray key behind.
    /// </summary>
    public static void WriteAllText(string path, string text, string? temporaryDirectory = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (temporaryDirectory is not null) Directory.CreateDirectory(temporaryDirectory);
        var temporary = Path.Combine(temporaryDirectory ?? Path.GetDirectoryName(path)!,
            Path.GetFileName(path) + ".tmp-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var bytes = Utf8.GetBytes(text);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
