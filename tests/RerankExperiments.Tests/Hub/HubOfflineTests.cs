using RerankExperiments.Hub;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Hub;

/// <summary>Offline mode against a cache folder made by hand, with the endpoint pointing where nothing listens.</summary>
public sealed class HubOfflineTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly TemporaryDirectory _directory = new();
    private readonly HubSettings _settings;

    public HubOfflineTests()
    {
        _settings = new HubSettings(HubTestBed.DeadEndpoint(), null, Path.Combine(_directory.Path, "hub"), Offline: true, "rerank-tests");
        var repo = Path.Combine(_settings.CacheRoot, "models--org--tiny");
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), Commit + "\n");
        Directory.CreateDirectory(Path.Combine(repo, "blobs"));
        File.WriteAllText(Path.Combine(repo, "blobs", "abc123"), "{\"model_type\":\"bert\"}");
        Directory.CreateDirectory(Path.Combine(repo, "snapshots", Commit));
        File.CreateSymbolicLink(Path.Combine(repo, "snapshots", Commit, "config.json"), Path.Combine("..", "..", "blobs", "abc123"));
        File.WriteAllText(Path.Combine(repo, "snapshots", Commit, "model.safetensors"), "weights as a plain copy");
    }

    public void Dispose() => _directory.Dispose();

    private string Snapshot(string file) => Path.Combine(_settings.CacheRoot, "models--org--tiny", "snapshots", Commit, file);

    [Fact]
    public async Task Offline_resolves_refs_main_to_the_snapshot()
    {
        using var client = new HubClient(_settings, HubTestBed.FastOptions);

        Assert.Equal(Snapshot("config.json"), await client.DownloadFileAsync("org/tiny", "config.json"));
        Assert.Equal(Snapshot("model.safetensors"), await client.DownloadFileAsync("org/tiny", "model.safetensors"));
        Assert.Equal(Snapshot("config.json"), await client.DownloadFileAsync("org/tiny", "config.json", Commit));
        Assert.Equal(Snapshot("config.json"), client.Cache.TryResolve("org/tiny", "main", "config.json"));
        Assert.Null(client.Cache.TryResolve("org/tiny", "dev", "config.json"));
    }

    [Fact]
    public async Task Offline_and_not_cached_is_a_clear_error()
    {
        using var client = new HubClient(_settings, HubTestBed.FastOptions);

        var missingFile = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("org/tiny", "tokenizer.json"));
        var missingRepo = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("org/other", "config.json"));

        foreach (var error in new[] { missingFile, missingRepo })
        {
            Assert.Equal(HubErrorKind.NotCached, error.Kind);
            Assert.Contains("HF_HUB_OFFLINE is set", error.Message, StringComparison.Ordinal);
            Assert.Contains("not in the cache", error.Message, StringComparison.Ordinal);
        }
        Assert.Contains("tokenizer.json in org/tiny at revision main", missingFile.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offline_model_download_returns_the_snapshot_with_what_is_cached()
    {
        using var client = new HubClient(_settings, HubTestBed.FastOptions);

        Assert.Equal(Path.GetDirectoryName(Snapshot("config.json")), await client.DownloadModelAsync("org/tiny"));
        Assert.Equal(Path.GetDirectoryName(Snapshot("config.json")), await client.SnapshotAsync("org/tiny", ["*"]));
    }
}
