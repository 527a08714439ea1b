namespace RerankExperiments.Hub;

/// <summary>
/// The huggingface_hub cache layout under one root, shared with Python tools:
/// <c>{root}/models--org--name/blobs/&lt;etag&gt;</c> (content), <c>refs/&lt;revision&gt;</c> (commit hash of a branch or tag),
/// <c>snapshots/&lt;commit&gt;/&lt;path&gt;</c> (relative symlink to the blob, a copy where links fail) and
/// <c>.no_exist/&lt;commit&gt;/&lt;path&gt;</c> (empty marker: the file is known to be absent at that commit).
/// Locks live in <c>{root}/.locks/&lt;repo folder&gt;/&lt;etag&gt;.lock</c>.
/// </summary>
public sealed class HubCache(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public string RepoDirectory(HubRepo repo) => Path.Combine(Root, repo.FolderName);

    public string BlobPath(HubRepo repo, string etag) => Path.Combine(RepoDirectory(repo), "blobs", CheckEtag(etag));

    public string RefPath(HubRepo repo, string revision)
    {
        HubNames.CheckRelativePath(revision, nameof(revision));
        return Path.Combine(RepoDirectory(repo), "refs", revision);
    }

    public string SnapshotDirectory(HubRepo repo, string commit) => Path.Combine(RepoDirectory(repo), "snapshots", CheckCommit(commit));

    public string SnapshotPath(HubRepo repo, string commit, string filename)
    {
        HubNames.CheckRelativePath(filename, nameof(filename));
        return Path.Combine(SnapshotDirectory(repo, commit), filename);
    }

    public string NoExistPath(HubRepo repo, string commit, string filename)
    {
        HubNames.CheckRelativePath(filename, nameof(filename));
        return Path.Combine(RepoDirectory(repo), ".no_exist", CheckCommit(commit), filename);
    }

    public string LockPath(HubRepo repo, string etag) => Path.Combine(Root, ".locks", repo.FolderName, CheckEtag(etag) + ".lock");

    /// <summary>The commit a revision names in the cache: a 40-hex revision is itself, anything else is read from refs/.</summary>
    public string? ResolveCommit(HubRepo repo, string revision)
    {
        if (HubNames.IsCommitHash(revision))
            return revision;
        var refPath = RefPath(repo, revision);
        if (!File.Exists(refPath))
            return null;
        var commit = File.ReadAllText(refPath).Trim();
        return HubNames.IsCommitHash(commit) ? commit : null;
    }

    /// <summary>The cached file for (repo, revision, filename), or null; no network, as for HF_HUB_OFFLINE.</summary>
    public string? TryResolve(HubRepo repo, string revision, string filename)
    {
        var commit = ResolveCommit(repo, revision);
        if (commit is null)
            return null;
        var path = SnapshotPath(repo, commit, filename);
        // File.Exists follows the link, so a snapshot entry whose blob was deleted counts as missing.
        return File.Exists(path) ? path : null;
    }

    public string? TryResolve(string repoId, string revision, string filename, RepoType repoType = RepoType.Model) =>
        TryResolve(new HubRepo(repoId, repoType), revision, filename);

    public bool IsKnownMissing(HubRepo repo, string commit, string filename) => File.Exists(NoExistPath(repo, commit, filename));

    public void MarkMissing(HubRepo repo, string commit, string filename)
    {
        var marker = NoExistPath(repo, commit, filename);
        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        using (File.Create(marker)) { }
    }

    /// <summary>Points refs/&lt;revision&gt; at a commit; written to a temporary file and renamed so readers never see half a hash.</summary>
    public void WriteRef(HubRepo repo, string revision, string commit)
    {
        CheckCommit(commit);
        var refPath = RefPath(repo, revision);
        if (File.Exists(refPath) && File.ReadAllText(refPath).Trim() == commit)
            return;
        Directory.CreateDirectory(Path.GetDirectoryName(refPath)!);
        var temp = TempNameBeside(refPath);
        File.WriteAllText(temp, commit);
        File.Move(temp, refPath, overwrite: true);
    }

    /// <summary>Moves a finished download into blobs/ under its ETag (a rename, so the blob appears complete or not at all).</summary>
    public string CommitBlob(HubRepo repo, string etag, string downloadedFile)
    {
        var blob = BlobPath(repo, etag);
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        File.Move(downloadedFile, blob, overwrite: true);
        return blob;
    }

    /// <summary>
    /// Makes snapshots/&lt;commit&gt;/&lt;filename&gt; point at the blob: a relative symlink (so the cache folder can be
    /// moved), or a copy where the file system refuses links. Built beside the target and renamed over it.
    /// </summary>
    public string LinkSnapshot(HubRepo repo, string commit, string filename, string etag)
    {
        var pointer = SnapshotPath(repo, commit, filename);
        var blob = BlobPath(repo, etag);
        var directory = Path.GetDirectoryName(pointer)!;
        var target = Path.GetRelativePath(directory, blob);
        if (new FileInfo(pointer).LinkTarget == target)
            return pointer;
        Directory.CreateDirectory(directory);
        var temp = TempNameBeside(pointer);
        try
        {
            File.CreateSymbolicLink(temp, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blob, temp);
        }
        File.Move(temp, pointer, overwrite: true);
        return pointer;
    }

    internal static string TempNameBeside(string path) => $"{path}.{Guid.NewGuid():N}.tmp";

    private static string CheckEtag(string etag) =>
        HubNames.NormalizeEtag(etag) == etag ? etag : throw new ArgumentException($"'{etag}' is not a usable blob name", nameof(etag));

    private static string CheckCommit(string commit) =>
        HubNames.IsCommitHash(commit) ? commit : throw new ArgumentException($"'{commit}' is not a 40-hex commit hash", nameof(commit));
}
