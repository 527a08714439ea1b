using RerankExperiments.Hub;

namespace RerankExperiments.Tests.Hub;

public sealed class HubSnapshotTests : IDisposable
{
    private readonly HubTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private const string ShardIndex = """
        {"metadata": {"total_size": 3000},
         "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                        "b.weight": "model-00002-of-00002.safetensors",
                        "c.weight": "model-00001-of-00002.safetensors"}}
        """;

    [Fact]
    public async Task Model_download_fetches_config_single_weights_and_the_tokenizer_files_that_exist()
    {
        var commit = _bed.Server.AddRepo("org/single").Commit("main",
            FakeFile.Text("config.json", "{}"),
            FakeFile.Large("model.safetensors", 10_000),
            FakeFile.Text("tokenizer.json", "{}"),
            FakeFile.Text("vocab.txt", "[PAD]\n"),
            FakeFile.Text("README.md", "not needed"));

        var snapshot = await _bed.Client().DownloadModelAsync("org/single");

        Assert.Equal(Path.Combine(_bed.RepoDirectory("org/single"), "snapshots", commit), snapshot);
        Assert.Equal(
            ["config.json", "model.safetensors", "tokenizer.json", "vocab.txt"],
            Directory.GetFiles(snapshot).Select(Path.GetFileName).Order());
        // Absent optional files are remembered at the commit, so a second run asks only for config.json.
        Assert.True(File.Exists(Path.Combine(_bed.RepoDirectory("org/single"), ".no_exist", commit, "special_tokens_map.json")));
        _bed.Server.Requests.Clear();
        await _bed.Client().DownloadModelAsync("org/single");
        Assert.Equal(["/org/single/resolve/main/config.json"], _bed.Server.Requests.Select(request => request.Path));
    }

    [Fact]
    public async Task Model_download_falls_back_to_the_sharded_index_and_its_shards()
    {
        var commit = _bed.Server.AddRepo("org/sharded").Commit("main",
            FakeFile.Text("config.json", "{}"),
            FakeFile.Text("model.safetensors.index.json", ShardIndex),
            FakeFile.Large("model-00001-of-00002.safetensors", 2_000, seed: 1),
            FakeFile.Large("model-00002-of-00002.safetensors", 1_000, seed: 2),
            FakeFile.Text("tokenizer.json", "{}"));

        var snapshot = await _bed.Client().DownloadModelAsync("org/sharded");

        Assert.Equal(
            ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json"],
            Directory.GetFiles(snapshot).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // Files after config.json are asked for at its commit, so a push mid-download cannot mix revisions.
        Assert.All(
            _bed.Server.Requests.Where(request => request.Host == "hub" && !request.Path.EndsWith("/config.json", StringComparison.Ordinal)),
            request => Assert.Contains($"/resolve/{commit}/", request.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Model_without_weights_is_an_error()
    {
        _bed.Server.AddRepo("org/empty").Commit("main", FakeFile.Text("config.json", "{}"));

        var error = await Assert.ThrowsAsync<HubException>(() => _bed.Client().DownloadModelAsync("org/empty"));

        Assert.Equal(HubErrorKind.EntryNotFound, error.Kind);
        Assert.Contains("model.safetensors.index.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_with_patterns_fetches_the_matching_listed_files()
    {
        var commit = _bed.Server.AddRepo("org/tiny").Commit("main",
            FakeFile.Text("config.json", "{}"),
            FakeFile.Large("model.safetensors", 5_000),
            FakeFile.Text("onnx/model.onnx", "onnx"),
            FakeFile.Text("README.md", "readme"));

        var snapshot = await _bed.Client().SnapshotAsync("org/tiny", ["*.json", "*.safetensors"]);

        Assert.Equal(Path.Combine(_bed.RepoDirectory("org/tiny"), "snapshots", commit), snapshot);
        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(snapshot).Select(Path.GetFileName).Order());
        Assert.False(Directory.Exists(Path.Combine(snapshot, "onnx")));
        Assert.Equal(commit, File.ReadAllText(Path.Combine(_bed.RepoDirectory("org/tiny"), "refs", "main")));
    }
}
