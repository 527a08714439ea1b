namespace RerankExperiments.Modeling;

/// <summary>
/// Writes a folder all at once: its contents go into a hidden staging folder beside the destination, which then
/// replaces the destination (an existing one is moved aside and deleted only after the swap). An interrupted or
/// failed write (a full disk) leaves the old folder, or nothing, under the real name, never a half-written one; the
/// staging folder is removed, and the hidden names (.name.*.partial) let a later run clear what a crash left.
/// </summary>
public static class StagedDirectory
{
    /// <summary>The suffix of staging and set-aside folders.</summary>
    public const string TemporarySuffix = ".partial";

    /// <summary>
    /// Calls <paramref name="fill"/> with an empty staging folder, then swaps it in as <paramref name="directory"/>.
    /// An I/O failure becomes an <see cref="IOException"/> that names the folder, the cause and what is left.
    /// </summary>
    public static void Write(string directory, Action<string> fill)
    {
        directory = Path.GetFullPath(directory);
        string parent = Path.GetDirectoryName(directory)!;
        Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, $".{Path.GetFileName(directory)}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            Directory.CreateDirectory(staging);
            fill(staging);
            Replace(staging, directory);
        }
        catch (IOException error)
        {
            TryDelete(staging);
            string kept = Directory.Exists(directory) ? $"the earlier {directory} is untouched" : $"nothing was left under {directory}";
            throw new IOException($"{directory} could not be written ({error.Message}); {kept}.", error);
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
    }

    static void Replace(string staging, string destination)
    {
        if (!Directory.Exists(destination))
        {
            Directory.Move(staging, destination);
            return;
        }
        string old = Path.Combine(Path.GetDirectoryName(destination)!, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.old{TemporarySuffix}");
        Directory.Move(destination, old);
        Directory.Move(staging, destination);
        Directory.Delete(old, recursive: true);
    }

    static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // What is left is hidden (.partial) and cleared by the next write or run; the original error matters more.
        }
    }
}
