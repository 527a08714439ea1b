using System.Net;
using System.Text.Json;

namespace RerankExperiments.Hub;

/// <summary>
/// Downloads files from a Hugging Face Hub endpoint into the shared cache (see <see cref="HubCache"/>), the way
/// huggingface_hub's hf_hub_download does: a metadata request for the commit and ETag, the blob only when it is not
/// cached yet, then a snapshot link. With <see cref="HubSettings.Offline"/> it answers from the cache alone.
/// </summary>
public sealed class HubClient : IDisposable
{
    private readonly HubTransport _transport;

    public HubClient(HubSettings settings, HubClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        Cache = new HubCache(settings.CacheRoot);
        _transport = new HubTransport(settings, options ?? new HubClientOptions());
    }

    public HubSettings Settings { get; }

    public HubCache Cache { get; }

    /// <summary>One file of a repo at a revision (branch, tag or commit hash); returns its path under snapshots/.</summary>
    public async Task<string> DownloadFileAsync(string repoId, string filename, string revision = "main", RepoType repoType = RepoType.Model, CancellationToken cancellationToken = default) =>
        (await FetchAsync(new HubRepo(repoId, repoType), filename, revision, cancellationToken).ConfigureAwait(false)).Path;

    /// <summary>
    /// The files of a repo matching any of <paramref name="patterns"/> (exact paths or fnmatch globs), listed through
    /// the Hub API at one commit so the snapshot is consistent; returns the snapshot directory. Offline, the cached
    /// snapshot directory of the revision is returned as it is, as huggingface_hub's snapshot_download does.
    /// </summary>
    public async Task<string> SnapshotAsync(string repoId, IReadOnlyCollection<string> patterns, string revision = "main", RepoType repoType = RepoType.Model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var repo = new HubRepo(repoId, repoType);
        HubNames.CheckRelativePath(revision, nameof(revision));
        if (Settings.Offline)
            return CachedSnapshotOrThrow(repo, revision, "HF_HUB_OFFLINE is set");

        (string Commit, IReadOnlyList<string> Files) listing;
        try
        {
            listing = await ListFilesAsync(repo, revision, cancellationToken).ConfigureAwait(false);
        }
        catch (HubException e) when (e.Kind == HubErrorKind.Network)
        {
            return CachedSnapshotOrThrow(repo, revision, e.Message);
        }
        if (!HubNames.IsCommitHash(revision))
            Cache.WriteRef(repo, revision, listing.Commit);
        foreach (var file in listing.Files.Where(file => patterns.Any(pattern => FilePattern.IsMatch(pattern, file))))
            await FetchAsync(repo, file, listing.Commit, cancellationToken).ConfigureAwait(false);
        var snapshot = Cache.SnapshotDirectory(repo, listing.Commit);
        Directory.CreateDirectory(snapshot);
        return snapshot;
    }

    /// <summary>
    /// Every file path of a repo at a revision, through the Hub API (the ref is recorded in the cache, as a download
    /// records it). Offline, or when the Hub cannot be reached, it lists the files of the revision's cached snapshot
    /// instead (only what was downloaded before; an empty list when the revision is known but nothing was fetched).
    /// </summary>
    public async Task<HubRepoListing> ListRepoFilesAsync(string repoId, string revision = "main", RepoType repoType = RepoType.Model, CancellationToken cancellationToken = default)
    {
        var repo = new HubRepo(repoId, repoType);
        HubNames.CheckRelativePath(revision, nameof(revision));
        if (Settings.Offline)
            return CachedListingOrThrow(repo, revision, "HF_HUB_OFFLINE is set");
        (string Commit, IReadOnlyList<string> Files) listing;
        try
        {
            listing = await ListFilesAsync(repo, revision, cancellationToken).ConfigureAwait(false);
        }
        catch (HubException e) when (e.Kind == HubErrorKind.Network)
        {
            return CachedListingOrThrow(repo, revision, e.Message);
        }
        if (!HubNames.IsCommitHash(revision))
            Cache.WriteRef(repo, revision, listing.Commit);
        return new HubRepoListing(listing.Commit, listing.Files, FromCache: false);
    }

    /// <summary>
    /// The files a cross-encoder needs, fetched one by one as transformers' from_pretrained does (no listing API):
    /// config.json, the weights (model.safetensors, else model.safetensors.index.json and every shard it names), and
    /// whichever tokenizer files exist. Everything after config.json is fetched at the commit config.json came from.
    /// </summary>
    public async Task<string> DownloadModelAsync(string repoId, string revision = "main", CancellationToken cancellationToken = default)
    {
        var repo = new HubRepo(repoId, RepoType.Model);
        var config = await FetchAsync(repo, ModelFiles.Config, revision, cancellationToken).ConfigureAwait(false);
        var commit = config.Commit;

        var single = await TryFetchAsync(repo, ModelFiles.Weights, commit, cancellationToken).ConfigureAwait(false);
        if (single is null)
        {
            var index = await TryFetchAsync(repo, ModelFiles.WeightsIndex, commit, cancellationToken).ConfigureAwait(false)
                ?? throw new HubException(Settings.Offline ? HubErrorKind.NotCached : HubErrorKind.EntryNotFound,
                    $"{repo} at {revision}: neither {ModelFiles.Weights} nor {ModelFiles.WeightsIndex} is "
                    + (Settings.Offline ? "in the cache, and HF_HUB_OFFLINE is set" : "in the repo"));
            foreach (var shard in await ModelFiles.ReadShardNamesAsync(index, cancellationToken).ConfigureAwait(false))
                await FetchAsync(repo, shard, commit, cancellationToken).ConfigureAwait(false);
        }
        foreach (var optional in ModelFiles.Optional)
            await TryFetchAsync(repo, optional, commit, cancellationToken).ConfigureAwait(false);
        return Cache.SnapshotDirectory(repo, commit);
    }

    /// <summary>
    /// A sentence-transformers model as a snapshot of the files the mining encoders read (<see cref="ModelFiles.SentenceTransformer"/>):
    /// modules.json and the other configs, tokenizer.json files and safetensors weights, in whichever module folder
    /// they sit (static-retrieval-mrl-en-v1 keeps its table in 0_StaticEmbedding/ and has no config.json at the top).
    /// README, ONNX and PyTorch .bin files are not fetched.
    /// </summary>
    public Task<string> DownloadSentenceTransformerAsync(string repoId, string revision = "main", CancellationToken cancellationToken = default) =>
        SnapshotAsync(repoId, ModelFiles.SentenceTransformer, revision, RepoType.Model, cancellationToken);

    public void Dispose() => _transport.Dispose();

    /// <summary>A file that may legitimately be absent: null when the repo lacks it (or, offline, the cache does).</summary>
    private async Task<string?> TryFetchAsync(HubRepo repo, string filename, string revision, CancellationToken cancellationToken)
    {
        try
        {
            return (await FetchAsync(repo, filename, revision, cancellationToken).ConfigureAwait(false)).Path;
        }
        catch (HubException e) when (e.Kind == HubErrorKind.EntryNotFound || (e.Kind == HubErrorKind.NotCached && Settings.Offline))
        {
            return null;
        }
    }

    private async Task<(string Path, string Commit)> FetchAsync(HubRepo repo, string filename, string revision, CancellationToken cancellationToken)
    {
        HubNames.CheckRelativePath(filename, nameof(filename));
        HubNames.CheckRelativePath(revision, nameof(revision));
        var what = $"{filename} in {repo} at revision {revision}";
        if (Settings.Offline)
            return FromCacheOrThrow(repo, filename, revision, what, "HF_HUB_OFFLINE is set");

        // A commit names immutable content, so a file already in its snapshot (or known absent) needs no request.
        if (HubNames.IsCommitHash(revision))
        {
            var cached = Cache.SnapshotPath(repo, revision, filename);
            if (File.Exists(cached))
                return (cached, revision);
            if (Cache.IsKnownMissing(repo, revision, filename))
                throw NoSuchFile(repo, filename, revision);
        }

        var url = ResolveUrl(repo, revision, filename);
        HubFileMetadata metadata;
        try
        {
            metadata = await _transport.RetryAsync(url, token => GetMetadataAsync(repo, filename, revision, url, what, token), cancellationToken).ConfigureAwait(false);
        }
        catch (HubException e) when (e.Kind == HubErrorKind.Network)
        {
            // As huggingface_hub does: an unreachable Hub falls back to what the cache holds for this revision.
            return FromCacheOrThrow(repo, filename, revision, what, e.Message, e);
        }
        if (!HubNames.IsCommitHash(revision))
            Cache.WriteRef(repo, revision, metadata.Commit);

        var blob = Cache.BlobPath(repo, metadata.Etag);
        if (!File.Exists(blob))
        {
            using var blobLock = await CacheLock.AcquireAsync(Cache.LockPath(repo, metadata.Etag), _transport.Options.LockPollInterval, cancellationToken).ConfigureAwait(false);
            // Another download may have finished this blob while we waited for the lock.
            if (!File.Exists(blob))
            {
                var incomplete = blob + ".incomplete";
                await BlobDownloader.DownloadAsync(_transport, metadata, incomplete, what, cancellationToken).ConfigureAwait(false);
                Cache.CommitBlob(repo, metadata.Etag, incomplete);
            }
        }
        return (Cache.LinkSnapshot(repo, metadata.Commit, filename, metadata.Etag), metadata.Commit);
    }

    /// <summary>
    /// HEAD on the resolve URL without following the CDN redirect: the redirect itself carries X-Linked-Etag and
    /// X-Linked-Size for LFS files, and its Location is where the bytes are.
    /// </summary>
    private async Task<HubFileMetadata> GetMetadataAsync(HubRepo repo, string filename, string revision, Uri url, string what, CancellationToken cancellationToken)
    {
        using var response = await _transport.SendAsync(HttpMethod.Head, url, 0, followAbsoluteRedirects: false, cancellationToken).ConfigureAwait(false);
        var commit = Header(response, "X-Repo-Commit");
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw NotFound(repo, filename, revision, url, Header(response, "X-Error-Code"), commit);
        var isRedirect = (int)response.StatusCode is >= 300 and < 400;
        if (!isRedirect)
            HubErrors.ThrowIfFailed(response, url, what, _transport.HasToken);

        if (!HubNames.IsCommitHash(commit))
            throw new HubException(HubErrorKind.Protocol, $"{what}: {url} answered without an X-Repo-Commit header, so it is not a Hugging Face Hub endpoint (check HF_ENDPOINT and any proxy)");
        var etag = HubNames.NormalizeEtag(Header(response, "X-Linked-Etag") ?? response.Headers.ETag?.Tag ?? Header(response, "ETag"))
            ?? throw new HubException(HubErrorKind.Protocol, $"{what}: {url} answered without a usable ETag or X-Linked-Etag header");
        long? size = long.TryParse(Header(response, "X-Linked-Size"), out var linked) ? linked
            : isRedirect ? null : response.Content.Headers.ContentLength;
        var location = isRedirect && response.Headers.Location is { IsAbsoluteUri: true } target ? target : url;
        return new HubFileMetadata(commit!, etag, size, location);
    }

    private HubException NotFound(HubRepo repo, string filename, string revision, Uri url, string? errorCode, string? commit)
    {
        switch (errorCode)
        {
            case "RepositoryNotFound":
                return new HubException(HubErrorKind.RepositoryNotFound, $"no repo {repo} on {Settings.Endpoint} ({url}); if it is private, set HF_TOKEN");
            case "RevisionNotFound":
                return new HubException(HubErrorKind.RepositoryNotFound, $"no revision {revision} in repo {repo} ({url})");
        }
        // Remember the absence at this commit, so later lookups at the commit skip the request (huggingface_hub's .no_exist).
        if (HubNames.IsCommitHash(commit))
        {
            if (!HubNames.IsCommitHash(revision))
                Cache.WriteRef(repo, revision, commit!);
            Cache.MarkMissing(repo, commit!, filename);
        }
        return NoSuchFile(repo, filename, revision);
    }

    private static HubException NoSuchFile(HubRepo repo, string filename, string revision) =>
        new(HubErrorKind.EntryNotFound, $"no file {filename} in repo {repo} at revision {revision}");

    private (string Path, string Commit) FromCacheOrThrow(HubRepo repo, string filename, string revision, string what, string why, Exception? inner = null)
    {
        var commit = Cache.ResolveCommit(repo, revision);
        if (commit is not null)
        {
            var path = Cache.SnapshotPath(repo, commit, filename);
            if (File.Exists(path))
                return (path, commit);
            if (Cache.IsKnownMissing(repo, commit, filename))
                throw NoSuchFile(repo, filename, revision);
        }
        throw new HubException(HubErrorKind.NotCached, $"{what} is not in the cache {Cache.Root}, and it cannot be downloaded: {why}", inner);
    }

    private string CachedSnapshotOrThrow(HubRepo repo, string revision, string why)
    {
        var commit = Cache.ResolveCommit(repo, revision);
        if (commit is not null && Directory.Exists(Cache.SnapshotDirectory(repo, commit)))
            return Cache.SnapshotDirectory(repo, commit);
        throw new HubException(HubErrorKind.NotCached, $"no snapshot of {repo} at revision {revision} in the cache {Cache.Root}, and it cannot be downloaded: {why}");
    }

    private HubRepoListing CachedListingOrThrow(HubRepo repo, string revision, string why)
    {
        var commit = Cache.ResolveCommit(repo, revision)
            ?? throw new HubException(HubErrorKind.NotCached, $"the file list of {repo} at revision {revision} is not in the cache {Cache.Root}, and it cannot be fetched: {why}");
        var snapshot = Cache.SnapshotDirectory(repo, commit);
        IReadOnlyList<string> files = Directory.Exists(snapshot)
            ? [.. Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories)
                .Select(path => Path.GetRelativePath(snapshot, path).Replace(Path.DirectorySeparatorChar, '/'))
                .Order(StringComparer.Ordinal)]
            : [];
        return new HubRepoListing(commit, files, FromCache: true);
    }

    /// <summary>The Hub API listing of a revision: its commit and every file path in it.</summary>
    private async Task<(string Commit, IReadOnlyList<string> Files)> ListFilesAsync(HubRepo repo, string revision, CancellationToken cancellationToken)
    {
        var url = new Uri(_transport.Endpoint, $"api/{repo.TypePlural}/{repo.Id}/revision/{Uri.EscapeDataString(revision)}");
        var what = $"file list of {repo} at revision {revision}";
        return await _transport.RetryAsync(url, async token =>
        {
            using var response = await _transport.SendAsync(HttpMethod.Get, url, 0, followAbsoluteRedirects: false, token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
                throw new HubException(HubErrorKind.RepositoryNotFound, $"{what}: HTTP 404 from {url}; check the repo id and revision");
            HubErrors.ThrowIfFailed(response, url, what, _transport.HasToken);
            await using var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: token).ConfigureAwait(false);
            var root = json.RootElement;
            var commit = root.TryGetProperty("sha", out var sha) ? sha.GetString() : null;
            if (!HubNames.IsCommitHash(commit) || !root.TryGetProperty("siblings", out var siblings) || siblings.ValueKind != JsonValueKind.Array)
                throw new HubException(HubErrorKind.Protocol, $"{what}: {url} did not answer with a \"sha\" and a \"siblings\" list");
            var files = siblings.EnumerateArray()
                .Select(sibling => sibling.TryGetProperty("rfilename", out var name) ? name.GetString() : null)
                .OfType<string>()
                .ToList();
            return (commit!, (IReadOnlyList<string>)files);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>{endpoint}/{repo}/resolve/{revision}/{filename}: the revision escaped whole ("refs/pr/1" → "refs%2Fpr%2F1"), the filename per segment.</summary>
    private Uri ResolveUrl(HubRepo repo, string revision, string filename)
    {
        var path = string.Join('/', filename.Split('/').Select(Uri.EscapeDataString));
        return new Uri(_transport.Endpoint, $"{repo.UrlPath}/resolve/{Uri.EscapeDataString(revision)}/{path}");
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;
}
