namespace RerankExperiments.Training.Storage;

/// <summary>
/// Checks before a run starts that its output folder can take what the run writes: the folder can be created and
/// written (a probe file is written, flushed to disk and deleted), and its filesystem has the space the run's
/// checkpoints and models need. Hours of training then never end in a folder that was unusable from the start.
/// </summary>
public static class OutputPreflight
{
    const string ProbeName = ".rerank-write-probe";

    /// <summary>Creates <paramref name="folder"/> if need be and proves it writable; else an <see cref="OutputFolderException"/>.</summary>
    public static void EnsureWritable(string folder, OutputSettingNames settings)
    {
        string full = Path.GetFullPath(folder);
        string probe = Path.Combine(full, $"{ProbeName}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(full);
            using (var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write("probe"u8);
                stream.Flush(flushToDisk: true);
            }
            File.Delete(probe);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new OutputFolderException(
                $"The output folder {full} cannot be written: {error.Message}. Choose a writable folder ({settings.Folder}) or fix its permissions; nothing was trained.", error);
        }
    }

    /// <summary>
    /// Throws an <see cref="OutputFolderException"/> when the filesystem of <paramref name="folder"/> (which must
    /// exist) cannot hold <paramref name="estimate"/>. The weights the folder already holds (a resumed run's checkpoints
    /// and models, which the run rotates or replaces) count as part of the estimate, so a resume on a nearly full disk
    /// that fitted before still fits.
    /// </summary>
    public static void EnsureSpace(string folder, OutputSpaceEstimate estimate, OutputSettingNames settings)
    {
        string full = Path.GetFullPath(folder);
        long free = FreeBytes(full);
        long present = WeightBytesUnder(full);
        if (free + present >= estimate.TotalBytes) return;
        throw new OutputFolderException(
            $"The output folder {full} has {OutputSpaceEstimate.Size(free)} free"
            + (present > 0 ? $" and holds {OutputSpaceEstimate.Size(present)} of checkpoints and models from an earlier attempt" : "")
            + $"; this run needs about {estimate.Describe()}. "
            + $"Free space there, choose a folder on a larger disk ({settings.Folder}), or keep fewer checkpoints ({settings.SaveTotalLimit}); nothing was trained.");
    }

    /// <summary>
    /// The bytes of the .safetensors files under <paramref name="folder"/> (links not followed): the weights and
    /// optimizer states the estimate sizes; logs, configs and locks are left out.
    /// </summary>
    public static long WeightBytesUnder(string folder) =>
        Directory.Exists(folder)
            ? new DirectoryInfo(folder).EnumerateFiles("*.safetensors", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
                .Sum(file => file.Length)
            : 0;

    /// <summary>Bytes available to this user on the filesystem holding <paramref name="existingFolder"/>.</summary>
    public static long FreeBytes(string existingFolder) => new DriveInfo(existingFolder).AvailableFreeSpace;
}
