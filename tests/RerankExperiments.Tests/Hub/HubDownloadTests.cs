using RerankExperiments.Hub;

namespace RerankExperiments.Tests.Hub;

public sealed class HubDownloadTests : IDisposable
{
    private readonly HubTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task Fresh_download_lays_out_blobs_refs_and_relative_snapshot_links()
    {
        var config = FakeFile.Text("config.json", "{\"model_type\":\"bert\"}");
        var weights = FakeFile.Large("model.safetensors", 200_000);
        var nested = FakeFile.Text("onnx/sub/model.txt", "nested");
        var commit = _bed.Server.AddRepo("org/tiny").Commit("main", config, weights, nested);
        var client = _bed.Client();

        var configPath = await client.DownloadFileAsync("org/tiny", "config.json");
        var weightsPath = await client.DownloadFileAsync("org/tiny", "model.safetensors");
        var nestedPath = await client.DownloadFileAsync("org/tiny", "onnx/sub/model.txt");

        var repoDir = _bed.RepoDirectory("org/tiny");
        Assert.Equal(Path.Combine(repoDir, "snapshots", commit, "config.json"), configPath);
        Assert.Equal(Path.Combine(repoDir, "snapshots", commit, "model.safetensors"), weightsPath);
        Assert.Equal(commit, File.ReadAllText(Path.Combine(repoDir, "refs", "main")));
        Assert.Equal(Path.Combine("..", "..", "blobs", config.GitSha1), new FileInfo(configPath).LinkTarget);
        Assert.Equal(Path.Combine("..", "..", "blobs", weights.Sha256), new FileInfo(weightsPath).LinkTarget);
        Assert.Equal(Path.Combine("..", "..", "..", "..", "blobs", nested.GitSha1), new FileInfo(nestedPath).LinkTarget);
        Assert.Equal(config.Content, File.ReadAllBytes(configPath));
        Assert.Equal(weights.Content, File.ReadAllBytes(weightsPath));
        Assert.Equal(
            new[] { config.GitSha1, nested.GitSha1, weights.Sha256 }.Order(),
            Directory.GetFiles(Path.Combine(repoDir, "blobs")).Select(Path.GetFileName).Order());
        Assert.False(Directory.Exists(Path.Combine(repoDir, ".no_exist")));
    }

    [Fact]
    public async Task Cached_blobs_are_not_downloaded_again()
    {
        var weights = FakeFile.Large("model.safetensors", 50_000);
        var commit = _bed.Server.AddRepo("org/tiny").Commit("main", weights, FakeFile.Text("config.json", "{}"));
        var client = _bed.Client();
        await client.DownloadFileAsync("org/tiny", "model.safetensors");
        _bed.Server.Requests.Clear();

        // A branch is re-resolved with one metadata request, but the blob is not fetched again.
        var byBranch = await client.DownloadFileAsync("org/tiny", "model.safetensors");
        Assert.Equal(["HEAD"], _bed.Server.Requests.Select(request => request.Method));
        Assert.DoesNotContain(_bed.Server.Requests, request => request.Host == "cdn");

        // A commit hash is immutable: a file in its snapshot needs no request at all.
        _bed.Server.Requests.Clear();
        var byCommit = await client.DownloadFileAsync("org/tiny", "model.safetensors", commit);
        Assert.Empty(_bed.Server.Requests);
        Assert.Equal(byBranch, byCommit);
    }

    [Fact]
    public async Task Branch_and_commit_revisions_resolve_to_their_own_snapshots()
    {
        var repo = _bed.Server.AddRepo("org/tiny");
        var first = repo.Commit("main", FakeFile.Text("config.json", "{\"v\":1}"));
        var second = repo.Commit("feature/x", FakeFile.Text("config.json", "{\"v\":2}"));
        var client = _bed.Client();

        var atBranch = await client.DownloadFileAsync("org/tiny", "config.json", "feature/x");
        var atCommit = await client.DownloadFileAsync("org/tiny", "config.json", first);

        Assert.Contains(_bed.Server.Requests, request => request.Path == "/org/tiny/resolve/feature%2Fx/config.json");
        Assert.Equal("{\"v\":2}", File.ReadAllText(atBranch));
        Assert.Equal("{\"v\":1}", File.ReadAllText(atCommit));
        var repoDir = _bed.RepoDirectory("org/tiny");
        Assert.Equal(Path.Combine(repoDir, "snapshots", second, "config.json"), atBranch);
        Assert.Equal(Path.Combine(repoDir, "snapshots", first, "config.json"), atCommit);
        Assert.Equal(second, File.ReadAllText(Path.Combine(repoDir, "refs", "feature", "x")));
        // A commit hash is not a ref: nothing is recorded for it, and main was never asked for.
        Assert.Equal(["x"], Directory.GetFiles(Path.Combine(repoDir, "refs"), "*", SearchOption.AllDirectories).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_dropped_connection_is_resumed_with_a_range_request()
    {
        var weights = FakeFile.Large("model.safetensors", 300_000);
        _bed.Server.AddRepo("org/tiny").Commit("main", weights);
        _bed.Server.DropNextDownloadHalfway();

        var path = await _bed.Client().DownloadFileAsync("org/tiny", "model.safetensors");

        var cdnGets = _bed.Server.Requests.Where(request => request.Host == "cdn").ToList();
        Assert.Equal(2, cdnGets.Count);
        Assert.Null(cdnGets[0].Range);
        Assert.Matches("^bytes=[1-9][0-9]*-$", cdnGets[1].Range);
        Assert.Equal(weights.Content, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(Path.Combine(_bed.RepoDirectory("org/tiny"), "blobs"), "*.incomplete"));
    }

    [Fact]
    public async Task A_partial_file_left_by_an_earlier_run_is_resumed()
    {
        var weights = FakeFile.Large("model.safetensors", 100_000);
        _bed.Server.AddRepo("org/tiny").Commit("main", weights);
        var blobs = Path.Combine(_bed.RepoDirectory("org/tiny"), "blobs");
        Directory.CreateDirectory(blobs);
        File.WriteAllBytes(Path.Combine(blobs, weights.Sha256 + ".incomplete"), weights.Content[..40_000]);

        var path = await _bed.Client().DownloadFileAsync("org/tiny", "model.safetensors");

        Assert.Equal("bytes=40000-", Assert.Single(_bed.Server.Requests, request => request.Host == "cdn").Range);
        Assert.Equal(weights.Content, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Corrupted_lfs_content_is_rejected_and_nothing_is_left_in_the_snapshot()
    {
        var weights = FakeFile.Large("model.safetensors", 80_000);
        var commit = _bed.Server.AddRepo("org/tiny").Commit("main", weights);
        _bed.Server.CorruptLfs = true;

        var error = await Assert.ThrowsAsync<HubException>(() => _bed.Client().DownloadFileAsync("org/tiny", "model.safetensors"));

        Assert.Equal(HubErrorKind.Integrity, error.Kind);
        Assert.Contains("model.safetensors", error.Message, StringComparison.Ordinal);
        Assert.Contains(weights.Sha256, error.Message, StringComparison.Ordinal);
        var repoDir = _bed.RepoDirectory("org/tiny");
        Assert.False(File.Exists(Path.Combine(repoDir, "snapshots", commit, "model.safetensors")));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoDir, "blobs")));
    }

    [Fact]
    public async Task Gated_repo_needs_a_token_which_never_reaches_the_cdn()
    {
        var weights = FakeFile.Large("model.safetensors", 20_000);
        _bed.Server.AddRepo("org/gated").Commit("main", weights);
        _bed.Server.RequiredToken = "hf_secret";

        var error = await Assert.ThrowsAsync<HubException>(() => _bed.Client().DownloadFileAsync("org/gated", "model.safetensors"));
        Assert.Equal(HubErrorKind.Unauthorized, error.Kind);
        Assert.Contains("HF_TOKEN", error.Message, StringComparison.Ordinal);
        Assert.Contains("401", error.Message, StringComparison.Ordinal);

        _bed.Server.Requests.Clear();
        var path = await _bed.Client(token: "hf_secret").DownloadFileAsync("org/gated", "model.safetensors");

        Assert.Equal(weights.Content, File.ReadAllBytes(path));
        Assert.All(_bed.Server.Requests.Where(request => request.Host == "hub"), request => Assert.Equal("Bearer hf_secret", request.Authorization));
        var cdn = Assert.Single(_bed.Server.Requests, request => request.Host == "cdn");
        Assert.Null(cdn.Authorization);
    }

    [Fact]
    public async Task Missing_file_is_reported_and_remembered_in_no_exist()
    {
        var commit = _bed.Server.AddRepo("org/tiny").Commit("main", FakeFile.Text("config.json", "{}"));
        var client = _bed.Client();

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("org/tiny", "vocab.txt"));

        Assert.Equal(HubErrorKind.EntryNotFound, error.Kind);
        Assert.Equal("no file vocab.txt in repo org/tiny at revision main", error.Message);
        var repoDir = _bed.RepoDirectory("org/tiny");
        Assert.True(File.Exists(Path.Combine(repoDir, ".no_exist", commit, "vocab.txt")));
        Assert.Equal(commit, File.ReadAllText(Path.Combine(repoDir, "refs", "main")));

        // At that commit the marker answers without a request.
        _bed.Server.Requests.Clear();
        var again = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("org/tiny", "vocab.txt", commit));
        Assert.Equal(HubErrorKind.EntryNotFound, again.Kind);
        Assert.Empty(_bed.Server.Requests);
    }

    [Fact]
    public async Task Missing_repo_is_reported_as_such()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => _bed.Client().DownloadFileAsync("org/nothing", "config.json"));

        Assert.Equal(HubErrorKind.RepositoryNotFound, error.Kind);
        Assert.Contains("org/nothing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transient_server_errors_are_retried()
    {
        var config = FakeFile.Text("config.json", "{}");
        _bed.Server.AddRepo("org/tiny").Commit("main", config);
        _bed.Server.FailNext(2);

        var path = await _bed.Client().DownloadFileAsync("org/tiny", "config.json");

        Assert.Equal(config.Content, File.ReadAllBytes(path));
        Assert.Equal(2 + 2, _bed.Server.Requests.Count);
    }

    [Fact]
    public async Task Persistent_server_errors_give_up_after_the_retries_naming_the_url()
    {
        _bed.Server.AddRepo("org/tiny").Commit("main", FakeFile.Text("config.json", "{}"));
        _bed.Server.FailNext(100);

        var error = await Assert.ThrowsAsync<HubException>(() => _bed.Client().DownloadFileAsync("org/tiny", "config.json"));

        Assert.Contains($"{_bed.Server.Endpoint}/org/tiny/resolve/main/config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("503", error.Message, StringComparison.Ordinal);
        Assert.Equal(HubTestBed.FastOptions.MaxAttempts, _bed.Server.Requests.Count);
    }

    [Fact]
    public async Task Unreachable_endpoint_is_an_error_naming_the_url()
    {
        var endpoint = HubTestBed.DeadEndpoint();

        var error = await Assert.ThrowsAsync<HubException>(() => _bed.Client(endpoint: endpoint).DownloadFileAsync("org/tiny", "config.json"));

        Assert.Equal(HubErrorKind.NotCached, error.Kind);
        Assert.Contains($"{endpoint}/org/tiny/resolve/main/config.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_endpoint_falls_back_to_the_cache()
    {
        _bed.Server.AddRepo("org/tiny").Commit("main", FakeFile.Text("config.json", "{}"));
        var cached = await _bed.Client().DownloadFileAsync("org/tiny", "config.json");

        var path = await _bed.Client(endpoint: HubTestBed.DeadEndpoint()).DownloadFileAsync("org/tiny", "config.json");

        Assert.Equal(cached, path);
    }

    [Fact]
    public async Task Dataset_repos_use_their_own_url_prefix_and_cache_folder()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => _bed.Client().DownloadFileAsync("org/data", "train.jsonl", repoType: RepoType.Dataset));

        Assert.Equal(HubErrorKind.RepositoryNotFound, error.Kind);
        Assert.Equal("/datasets/org/data/resolve/main/train.jsonl", Assert.Single(_bed.Server.Requests).Path);
        Assert.Equal("datasets--org--data", new HubRepo("org/data", RepoType.Dataset).FolderName);
    }

    [Fact]
    public async Task Concurrent_downloads_of_one_blob_fetch_it_once()
    {
        var weights = FakeFile.Large("model.safetensors", 400_000);
        _bed.Server.AddRepo("org/tiny").Commit("main", weights);
        var client = _bed.Client();

        var paths = await Task.WhenAll(
            client.DownloadFileAsync("org/tiny", "model.safetensors"),
            _bed.Client().DownloadFileAsync("org/tiny", "model.safetensors"));

        Assert.Equal(paths[0], paths[1]);
        Assert.Equal(weights.Content, File.ReadAllBytes(paths[0]));
        Assert.Single(_bed.Server.Requests, request => request.Host == "cdn");
    }

    [Fact]
    public async Task Cancellation_is_not_retried_or_wrapped()
    {
        _bed.Server.AddRepo("org/tiny").Commit("main", FakeFile.Text("config.json", "{}"));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _bed.Client().DownloadFileAsync("org/tiny", "config.json", cancellationToken: cancelled.Token));
        Assert.Empty(_bed.Server.Requests);
    }
}
