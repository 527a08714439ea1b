using RerankExperiments.Hub;
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
}
