using RerankExperiments.Data;
using RerankExperiments.Hub;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Hub;

public sealed class HubDatasetTests : IDisposable
{
    private readonly HubTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private static byte[] Parquet => File.ReadAllBytes(Fixtures.Path("data", "rows.parquet"));

    private string DatasetDirectory(string repoId) => Path.Combine(_bed.CacheRoot, "datasets--" + repoId.Replace("/", "--", StringComparison.Ordinal));

    private string ShardedDataset()
    {
        return _bed.Server.AddDataset("org/sharded").Commit("main",
            new FakeFile("data/train-00001-of-00002.parquet", Parquet, Lfs: true),
            new FakeFile("data/test-00000-of-00001.parquet", Parquet, Lfs: true),
            new FakeFile("data/train-00000-of-00002.parquet", Parquet, Lfs: true),
            FakeFile.Text("README.md", "# sharded"));
    }

    [Fact]
    public async Task Split_files_are_picked_by_name_and_returned_in_path_order_in_the_datasets_cache_layout()
    {
        var commit = ShardedDataset();
        var client = _bed.Client();

        var train = await HubDatasets.ResolveSplitAsync(client, "org/sharded", "train");
        var test = await HubDatasets.ResolveSplitAsync(client, "org/sharded", "test");

        var snapshot = Path.Combine(DatasetDirectory("org/sharded"), "snapshots", commit);
        Assert.Equal(
            [Path.Combine(snapshot, "data", "train-00000-of-00002.parquet"), Path.Combine(snapshot, "data", "train-00001-of-00002.parquet")],
            train);
        Assert.Equal([Path.Combine(snapshot, "data", "test-00000-of-00001.parquet")], test);
        Assert.All(train.Concat(test), path => Assert.Equal(Parquet, File.ReadAllBytes(path)));
        Assert.False(File.Exists(Path.Combine(snapshot, "README.md")));
        Assert.Equal(commit, File.ReadAllText(Path.Combine(DatasetDirectory("org/sharded"), "refs", "main")).Trim());
        Assert.False(Directory.Exists(_bed.RepoDirectory("org/sharded")));
    }

    [Fact]
    public async Task An_unknown_split_is_an_error_listing_the_splits_found()
    {
        ShardedDataset();

        var error = await Assert.ThrowsAsync<HubException>(() => HubDatasets.ResolveSplitAsync(_bed.Client(), "org/sharded", "validation"));

        Assert.Equal(HubErrorKind.EntryNotFound, error.Kind);
        Assert.Contains("'validation'", error.Message, StringComparison.Ordinal);
        Assert.Contains("splits found: test, train", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_single_file_at_the_root_named_after_the_split_is_the_split()
    {
        var commit = _bed.Server.AddDataset("org/flat").Commit("main",
            FakeFile.Text("train.jsonl", "{\"query\": \"q\", \"pos\": [\"p\"], \"neg\": [\"n\"]}\n"),
            FakeFile.Text("training-notes.json", "{}"),
            FakeFile.Text(".gitattributes", ""));

        var paths = await HubDatasets.ResolveSplitAsync(_bed.Client(), "org/flat", "train");

        Assert.Equal([Path.Combine(DatasetDirectory("org/flat"), "snapshots", commit, "train.jsonl")], paths);
    }

    [Fact]
    public void Split_rules_cover_folders_prefixes_extensions_and_configs()
    {
        string[] files =
        [
            "data/train/b.jsonl.gz", "data/train/a.csv", "train_extra.tsv", "trainer.json", "train/model.bin",
            "en/train-0.arrow", "en/test.parquet", "fr/train-0.arrow", "_hidden/train.jsonl", "README.md",
        ];

        Assert.Equal(["data/train/a.csv", "data/train/b.jsonl.gz", "en/train-0.arrow", "fr/train-0.arrow", "train_extra.tsv"], DatasetSplitFiles.Select(files, "train"));
        Assert.Equal(["en/train-0.arrow"], DatasetSplitFiles.Select(files, "train", config: "en"));
        Assert.Equal(["test", "train"], DatasetSplitFiles.SplitNames(files, config: "en"));
    }

    [Fact]
    public async Task Without_matching_files_on_main_the_parquet_conversion_branch_is_used()
    {
        var repo = _bed.Server.AddDataset("org/scripted");
        repo.Commit("main", FakeFile.Text("scripted.py", "# a loading script"), FakeFile.Text("README.md", "# scripted"));
        var converted = repo.Commit(HubDatasets.ParquetConversionRevision,
            new FakeFile("default/train/0000.parquet", Parquet, Lfs: true),
            new FakeFile("default/partial-test/0000.parquet", Parquet, Lfs: true));
        var client = _bed.Client();

        var train = await HubDatasets.ResolveSplitAsync(client, "org/scripted", "train");
        var test = await HubDatasets.ResolveSplitAsync(client, "org/scripted", "test");
        var error = await Assert.ThrowsAsync<HubException>(() => HubDatasets.ResolveSplitAsync(client, "org/scripted", "dev"));

        var snapshot = Path.Combine(DatasetDirectory("org/scripted"), "snapshots", converted);
        Assert.Equal([Path.Combine(snapshot, "default", "train", "0000.parquet")], train);
        Assert.Equal([Path.Combine(snapshot, "default", "partial-test", "0000.parquet")], test);
        Assert.Contains("splits found: test, train", error.Message, StringComparison.Ordinal);
        Assert.Contains(_bed.Server.Requests, request => request.Path == "/api/datasets/org/scripted/revision/refs%2Fconvert%2Fparquet");
        Assert.Equal(converted, File.ReadAllText(Path.Combine(DatasetDirectory("org/scripted"), "refs", "refs", "convert", "parquet")).Trim());
        // Offline, main's cached snapshot holds no data files, so the cached conversion answers.
        Assert.Equal(train, await HubDatasets.ResolveSplitAsync(_bed.Client(offline: true), "org/scripted", "train"));
    }

    [Fact]
    public async Task Offline_after_a_download_the_split_resolves_from_the_cache()
    {
        ShardedDataset();
        var online = await HubDatasets.ResolveSplitAsync(_bed.Client(), "org/sharded", "train");
        _bed.Server.Requests.Clear();

        var offline = await HubDatasets.ResolveSplitAsync(_bed.Client(offline: true), "org/sharded", "train");
        var unreachable = await HubDatasets.ResolveSplitAsync(_bed.Client(endpoint: HubTestBed.DeadEndpoint()), "org/sharded", "train");

        Assert.Equal(online, offline);
        Assert.Equal(online, unreachable);
        Assert.Empty(_bed.Server.Requests);
        var missing = await Assert.ThrowsAsync<HubException>(() => HubDatasets.ResolveSplitAsync(_bed.Client(offline: true), "org/sharded", "test"));
        Assert.Contains("cached files", missing.Message, StringComparison.Ordinal);
        var never = await Assert.ThrowsAsync<HubException>(() => HubDatasets.ResolveSplitAsync(_bed.Client(offline: true), "org/other", "train"));
        Assert.Equal(HubErrorKind.NotCached, never.Kind);
    }

    [Fact]
    public async Task Load_reads_every_file_of_the_split_into_ranking_examples()
    {
        ShardedDataset();
        var options = new DatasetReadOptions(DatasetFormat.QueryPosNeg);

        var test = await HubDatasets.LoadAsync(_bed.Client(), "org/sharded", "test", options);
        var train = await HubDatasets.LoadAsync(_bed.Client(), "org/sharded", "train", options);

        Assert.Empty(test.Skipped);
        Assert.Equal(4, test.Examples.Count);
        Assert.Equal("what is bm25", test.Examples[0].Query);
        Assert.Equal(["BM25 ranks documents by term frequency.", "Cats purr.", "Rain, \"quoted\", falls."], test.Examples[0].Passages);
        Assert.Equal([1f, 0f, 0f], test.Examples[0].Labels);
        Assert.Equal("ünïcode ✓ 日本語", test.Examples[1].Query);
        Assert.Equal(["テキスト", "second positive"], test.Examples[1].Passages);
        Assert.Equal(["only a positive"], test.Examples[2].Passages);
        Assert.Equal(8, train.Examples.Count);
        Assert.Equal(test.Examples.Select(example => example.Query).Concat(test.Examples.Select(example => example.Query)), train.Examples.Select(example => example.Query));
    }

    [Fact]
    public void The_cli_data_argument_reads_hub_datasets_by_repo_and_split()
    {
        ShardedDataset();
        var options = new DatasetReadOptions(DatasetFormat.QueryPosNeg);
        var train = RerankExperiments.Cli.Commands.DataPaths.Load("hf:org/sharded", options, _bed.Settings());
        var test = RerankExperiments.Cli.Commands.DataPaths.Load("hf:org/sharded:test", options, _bed.Settings());
        Assert.Equal(2 * test.Examples.Count, train.Examples.Count);
        var error = Assert.Throws<RerankExperiments.Cli.Commands.InputException>(() => RerankExperiments.Cli.Commands.DataPaths.Load("hf:org/sharded:validation", options, _bed.Settings()));
        Assert.Contains("hf:org/sharded:validation", error.Message);
        Assert.Contains("train", error.Message);
    }
}
