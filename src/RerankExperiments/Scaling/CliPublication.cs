using System.Security.Cryptography;

namespace RerankExperiments.Scaling;

/// <summary>
/// The built `rerank` CLI that a sweep's jobs run: a copy of the folder the running CLI was loaded from (its
/// framework-dependent build output, with the TorchSharp load fix applied), kept under the sweep's output folder in
/// <c>rerank-cli/&lt;build id&gt;</c>. The build id hashes the project's assemblies, so a later submit of the same build
/// reuses the copy and a rebuild of the source tree (or `./rerank` rebuilding itself) never changes what queued jobs run.
/// </summary>
public static class CliPublication
{
    static readonly string[] IdentityFiles = ["rerank.dll", "RerankExperiments.dll", "RerankExperiments.Torch.dll", "rerank.deps.json"];

    /// <summary>16 hex digits of SHA-256 over the CLI's own assemblies and dependency manifest.</summary>
    public static string BuildId(string cliDirectory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in IdentityFiles)
        {
            var path = Path.Combine(cliDirectory, name);
            if (!File.Exists(path)) throw new FileNotFoundException($"{cliDirectory} is not a built rerank CLI: {name} is missing", path);
            hash.AppendData(File.ReadAllBytes(path));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    /// <summary>
    /// The published copy of <paramref name="cliDirectory"/> under <paramref name="root"/>, made when missing: copied
    /// into a hidden folder and renamed into place, so a concurrent submit never sees half a copy.
    /// </summary>
    public static string Publish(string cliDirectory, string root)
    {
        string target = Path.Combine(root, BuildId(cliDirectory));
        if (File.Exists(Path.Combine(target, "rerank.dll"))) return target;
        Directory.CreateDirectory(root);
        string staging = Path.Combine(root, ".partial-" + Guid.NewGuid().ToString("N"));
        try
        {
            Copy(cliDirectory, staging);
            Directory.Move(staging, target);
        }
        catch (IOException) when (File.Exists(Path.Combine(target, "rerank.dll")))
        {
            Directory.Delete(staging, recursive: true); // another submit published the same build first
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
        return target;
    }

    static void Copy(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        foreach (var folder in Directory.EnumerateDirectories(source))
        {
            var name = Path.GetFileName(folder);
            // A test build's fixtures and a previous run's outputs are not part of the CLI.
            if (name is "fixtures" or "runs") continue;
            Copy(folder, Path.Combine(target, name));
        }
    }
}
