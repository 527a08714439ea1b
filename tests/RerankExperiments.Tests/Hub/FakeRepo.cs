using System.Security.Cryptography;
using System.Text;

namespace RerankExperiments.Tests.Hub;

/// <summary>A repo served by <see cref="FakeHubServer"/>: branches pointing at commits, each commit a set of files.</summary>
internal sealed class FakeRepo(string id)
{
    private readonly Dictionary<string, string> _branches = [];
    private readonly Dictionary<string, Dictionary<string, FakeFile>> _commits = [];
    private readonly Lock _gate = new();

    public string Id { get; } = id;

    /// <summary>Adds a commit holding exactly <paramref name="files"/> and points <paramref name="branch"/> at it.</summary>
    public string Commit(string branch, params FakeFile[] files)
    {
        var commit = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(Id + branch + Guid.NewGuid())));
        lock (_gate)
        {
            _commits[commit] = files.ToDictionary(file => file.Path);
            _branches[branch] = commit;
        }
        return commit;
    }

    public string? ResolveRevision(string revision)
    {
        lock (_gate)
            return _commits.ContainsKey(revision) ? revision : _branches.GetValueOrDefault(revision);
    }

    public IReadOnlyDictionary<string, FakeFile> Files(string commit)
    {
        lock (_gate)
            return _commits[commit];
    }
}

/// <summary>A file in a fake repo; LFS files are served through the CDN redirect and named by their SHA-256.</summary>
internal sealed record FakeFile(string Path, byte[] Content, bool Lfs = false)
{
    public static FakeFile Text(string path, string content) => new(path, Encoding.UTF8.GetBytes(content));

    public static FakeFile Large(string path, int size, int seed = 1)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return new FakeFile(path, bytes, Lfs: true);
    }

    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Content));

    /// <summary>The git blob id the Hub uses as the ETag of a regular file.</summary>
    public string GitSha1 => Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {Content.Length}\0"), .. Content]));
}
