using System.Diagnostics;
using System.Globalization;

namespace RerankExperiments.Tests.Support;

/// <summary>
/// A size-limited tmpfs mounted on a fresh temp folder, for tests of full disks (a real ENOSPC) and read-only
/// folders; unmounted and removed on dispose. Needs root (mount -t tmpfs), as the test machines run.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    public TmpfsMount(long bytes, bool readOnly = false)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rerank-tmpfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        try
        {
            Mount("-t", "tmpfs", "-o", Options(bytes, readOnly), "tmpfs", Path);
        }
        catch
        {
            Directory.Delete(Path);
            throw;
        }
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Changes the size (and read-only flag) in place; what the mount holds stays.</summary>
    public void Remount(long bytes, bool readOnly = false) => Mount("-o", "remount," + Options(bytes, readOnly), Path);

    public void Dispose()
    {
        Run("umount", Path);
        Directory.Delete(Path);
    }

    static string Options(long bytes, bool readOnly) => $"size={bytes.ToString(CultureInfo.InvariantCulture)}{(readOnly ? ",ro" : "")}";

    static void Mount(params string[] arguments) => Run("mount", arguments);

    static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {errors.Trim()} (tmpfs fault tests need root)");
    }
}
