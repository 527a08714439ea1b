using RerankExperiments.Hub;
using RerankExperiments.Mining;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Hub;

public sealed class ModelLocatorTests : IDisposable
{
    private readonly HubTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task A_local_directory_is_used_as_it_is()
    {
        using var folder = new TemporaryDirectory();

        Assert.Equal(folder.Path, await ModelLocator.ResolveAsync(folder.Path, null, _bed.Settings()));
        Assert.Empty(_bed.Server.Requests);
    }

    [Fact]
    public async Task A_missing_path_that_is_no_repo_id_is_a_clear_error()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => ModelLocator.ResolveAsync("./models/does-not-exist", null, _bed.Settings()));

        Assert.Contains("neither an existing directory nor a Hugging Face repo id", error.Message, StringComparison.Ordinal);
        Assert.Empty(_bed.Server.Requests);
    }

    [Fact]
    public async Task A_repo_id_is_downloaded_online_and_found_in_the_cache_offline()
    {
        var commit = _bed.Server.AddRepo("org/tiny").Commit("main", FakeFile.Text("config.json", "{}"), FakeFile.Large("model.safetensors", 1_000));

        var online = await ModelLocator.ResolveAsync("org/tiny", null, _bed.Settings());
        var offline = await ModelLocator.ResolveAsync("org/tiny", "main", _bed.Settings(offline: true, endpoint: HubTestBed.DeadEndpoint()));

        Assert.Equal(Path.Combine(_bed.RepoDirectory("org/tiny"), "snapshots", commit), online);
        Assert.Equal(online, offline);
    }

    [Fact]
    public async Task An_unknown_repo_says_it_is_not_a_local_directory_either()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => ModelLocator.ResolveAsync("models/tiny", null, _bed.Settings()));

        Assert.Contains("'models/tiny' is not a local directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_embedding_model_is_fetched_as_a_snapshot_with_its_module_folders_and_found_offline()
    {
        // static-retrieval-mrl-en-v1's layout: modules.json at the top, the table in 0_StaticEmbedding/, no config.json.
        using var folder = new TemporaryDirectory();
        string model = StaticEmbeddingFixture.Write(folder.Path);
        var files = Directory.GetFiles(model, "*", SearchOption.AllDirectories)
            .Select(f => new FakeFile(Path.GetRelativePath(model, f).Replace('\\', '/'), File.ReadAllBytes(f), Lfs: f.EndsWith(".safetensors", StringComparison.Ordinal)))
            .Append(FakeFile.Text("README.md", "# static"))
            .Append(FakeFile.Large("onnx/model.onnx", 1_000))
            .ToArray();
        var commit = _bed.Server.AddRepo("org/static").Commit("main", files);

        var online = await ModelLocator.ResolveEmbeddingAsync("org/static", null, _bed.Settings());

        Assert.Equal(Path.Combine(_bed.RepoDirectory("org/static"), "snapshots", commit), online);
        Assert.True(File.Exists(Path.Combine(online, "modules.json")));
        Assert.True(File.Exists(Path.Combine(online, "0_StaticEmbedding", "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(online, "README.md")));
        Assert.False(Directory.Exists(Path.Combine(online, "onnx")));
        using (var encoder = TextEncoders.Load(online)) Assert.Equal(StaticEmbeddingFixture.Dimension, encoder.Dimension);
        // The cross-encoder download asks for config.json, which such a repo does not have.
        await Assert.ThrowsAsync<HubException>(() => ModelLocator.ResolveAsync("org/static", null, _bed.Settings()));

        Assert.Equal(online, ModelReference.ResolveEmbedding("org/static", _bed.Settings(offline: true, endpoint: HubTestBed.DeadEndpoint())));
    }
}
