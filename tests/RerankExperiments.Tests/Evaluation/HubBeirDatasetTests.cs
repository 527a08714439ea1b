using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Hub;
using RerankExperiments.Tests.Hub;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Evaluation;

/// <summary>
/// NanoBEIR-style Hub datasets (BeirHubFixture's three layouts) read through the fake Hub into a BeirDataset: the
/// precomputed BM25 ranking is what gets reranked when the dataset ships one, and BM25 runs here when it does not.
/// </summary>
public sealed class HubBeirDatasetTests : IDisposable
{
    readonly HubTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    static string Text(string id) => BeirHubFixture.Corpus.Single(d => d.Id == id).Text;

    [Fact]
    public void A_zeta_alpha_dataset_has_no_ranking_so_bm25_runs_here()
    {
        BeirHubFixture.AddZeta(_bed.Server, "zeta-alpha-ai/NanoTiny");
        var dataset = HubBeirDatasets.Load("hf:zeta-alpha-ai/NanoTiny", _bed.Settings());

        Assert.Equal(["d1", "d2", "d3", "d4"], dataset.Corpus.Select(d => d.Id));
        Assert.Equal(["q1", "q2", "q3"], dataset.Queries.Select(q => q.Id));
        Assert.Equal(1, dataset.Qrels["q3"]["d4"]);
        Assert.Null(dataset.Rankings);

        var evaluator = new BeirEvaluator(dataset, new BeirEvaluatorOptions(Name: "NanoTiny", RerankK: 2));
        Assert.Equal("NanoTiny_R2", evaluator.Name);
        // BM25 over the corpus: "why do cats purr" matches d1 on two terms, d3 on one.
        Assert.Equal([Text("d1"), Text("d3")], evaluator.Samples[0].Documents!);
        Assert.Equal(3, evaluator.Samples.Count);
    }

    [Fact]
    public void A_bm25_dataset_reranks_its_precomputed_ranking_cut_at_rerank_k()
    {
        BeirHubFixture.AddBm25(_bed.Server, "sentence-transformers/NanoTiny-bm25");
        var dataset = HubBeirDatasets.Load("hf:sentence-transformers/NanoTiny-bm25", _bed.Settings());

        Assert.Equal(["d4", "d3", "d1", "d2"], dataset.Rankings!["q1"]);
        Assert.Equal(1, dataset.Qrels["q2"]["d2"]);
        var evaluator = new BeirEvaluator(dataset, new BeirEvaluatorOptions(Name: "NanoTiny", RerankK: 2));
        // Only ranked queries count (q3 has no ranking row), and the documents are the ranking's first two.
        Assert.Equal(["why do cats purr", "dogs bark"], evaluator.Samples.Select(s => s.Query));
        Assert.Equal([Text("d4"), Text("d3")], evaluator.Samples[0].Documents!);
        Assert.Equal([Text("d4"), Text("d2")], evaluator.Samples[1].Documents!);

        // The base metrics rate the ranking's own order, as sentence-transformers does: q1's positive is not in its
        // top 2 (0), q2's is second (1/2).
        var metrics = evaluator.Evaluate(pairs => pairs.Select(p => p.Passage == Text("d4") ? 1f : 0f).ToArray());
        Assert.Equal(0.25, metrics["NanoTiny_R2_base_mrr@10"], 6);
    }

    [Fact]
    public void A_collection_with_one_split_per_dataset_needs_the_split_and_reads_its_bm25_config()
    {
        BeirHubFixture.AddCollection(_bed.Server, "sentence-transformers/NanoBEIR-tiny");

        var error = Assert.Throws<HubException>(() => HubBeirDatasets.Load("hf:sentence-transformers/NanoBEIR-tiny", _bed.Settings()));
        Assert.Contains("has the splits NanoOther, NanoTiny; name one", error.Message, StringComparison.Ordinal);

        var dataset = HubBeirDatasets.Load("hf:sentence-transformers/NanoBEIR-tiny:NanoTiny", _bed.Settings());
        Assert.Equal(["d4", "d2", "d3"], dataset.Rankings!["q2"]);
        Assert.Equal(3, dataset.Qrels.Count);
        // The split may also come from the evaluator's split key.
        Assert.Equal(4, HubBeirDatasets.Load("hf:sentence-transformers/NanoBEIR-tiny", _bed.Settings(), split: "NanoOther").Corpus.Count);
        Assert.Equal("NanoTiny", HubBeirReference.Parse("hf:sentence-transformers/NanoBEIR-tiny:NanoTiny").DefaultName);
    }

    [Fact]
    public void A_downloaded_dataset_loads_offline_from_the_cache()
    {
        BeirHubFixture.AddBm25(_bed.Server, "sentence-transformers/NanoTiny-bm25");
        var online = HubBeirDatasets.Load("hf:sentence-transformers/NanoTiny-bm25", _bed.Settings());
        var offline = HubBeirDatasets.Load("hf:sentence-transformers/NanoTiny-bm25", _bed.Settings(offline: true, endpoint: HubTestBed.DeadEndpoint()));
        Assert.Equal(online.Corpus, offline.Corpus);
        Assert.Equal(online.Rankings!["q1"], offline.Rankings!["q1"]);
    }

    [Fact]
    public void A_judgement_naming_an_unknown_document_is_an_error_at_its_file_and_row()
    {
        _bed.Server.AddDataset("org/broken").Commit("main",
            new FakeFile("corpus/train-00000-of-00001.parquet", BeirHubFixture.Parquet(BeirHubFixture.Corpus), Lfs: true),
            new FakeFile("queries/train-00000-of-00001.parquet", BeirHubFixture.Parquet(BeirHubFixture.Queries), Lfs: true),
            new FakeFile("qrels/train-00000-of-00001.parquet", BeirHubFixture.Parquet([new BeirHubFixture.Qrel("q1", "d1"), new BeirHubFixture.Qrel("q2", "d9")]), Lfs: true));

        var error = Assert.Throws<DataFormatException>(() => HubBeirDatasets.Load("hf:org/broken", _bed.Settings()));
        Assert.EndsWith("train-00000-of-00001.parquet", error.FilePath, StringComparison.Ordinal);
        Assert.Contains("qrels", error.FilePath, StringComparison.Ordinal);
        Assert.Equal(2, error.Line);
        Assert.Contains("document id 'd9' is not in the corpus", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dataset_without_the_beir_folders_says_what_it_expected()
    {
        _bed.Server.AddDataset("org/pairs").Commit("main",
            new FakeFile("data/train-00000-of-00001.parquet", BeirHubFixture.Parquet(BeirHubFixture.Queries), Lfs: true));
        var error = Assert.Throws<HubException>(() => HubBeirDatasets.Load("hf:org/pairs", _bed.Settings()));
        Assert.Contains("corpus/, queries/ and qrels/ (or relevance/)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hf:zeta-alpha-ai/NanoNFCorpus", "zeta-alpha-ai/NanoNFCorpus", null, "NanoNFCorpus")]
    [InlineData("hf:sentence-transformers/NanoNFCorpus-bm25", "sentence-transformers/NanoNFCorpus-bm25", null, "NanoNFCorpus")]
    [InlineData("hf:sentence-transformers/NanoBEIR-en:NanoMSMARCO", "sentence-transformers/NanoBEIR-en", "NanoMSMARCO", "NanoMSMARCO")]
    [InlineData("hf:org/beir-set:test", "org/beir-set", "test", "beir-set")]
    public void References_parse_and_name_the_dataset_as_sentence_transformers_does(string path, string repo, string? split, string name)
    {
        var reference = HubBeirReference.Parse(path);
        Assert.Equal(new HubBeirReference(repo, split), reference);
        Assert.Equal(name, reference.DefaultName);
        Assert.Equal(path, reference.ToString());
    }

    [Theory]
    [InlineData("hf:NanoNFCorpus")]
    [InlineData("hf:org/../x")]
    [InlineData("hf:org/name:")]
    [InlineData("data/beir")]
    public void Malformed_references_are_refused(string path)
    {
        Assert.Null(HubBeirReference.TryParse(path, out var problem));
        Assert.NotNull(problem);
    }
}
