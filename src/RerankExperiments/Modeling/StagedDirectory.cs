namespace RerankExperiments.Modeling;

/// <summary>
/// Writes a folder all at once: its contents go into a hidden staging folder beside the destination, which then
/// replaces the destination (an existing one is moved aside and deleted only after the swap). An interrupted write
/// leaves the old folder, or nothing, under the real name, never a half-written one.
/// </summary>
public static class StagedDirectory
{
    /// <summary>Calls <paramref name="fill"/> with an empty staging folder, then swaps it in as <paramref name="directory"/>.</summary>
    public static void Write(string directory, Action<string> fill)
    {
        directory = Path.GetFullPath(directory);
        string parent = Path.GetDirectoryName(directory)!;
        Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, $".{Path.GetFileName(directory)}.{Guid.NewGuid():N}.partial");
        Directory.CreateDirectory(staging);
        try
        {
            fill(staging);
            Replace(staging, directory);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
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
        string old = destination + $".{Guid.NewGuid():N}.old";
        Directory.Move(destination, old);
        Directory.Move(staging, destination);
        Directory.Delete(old, recursive: true);
    }
}
