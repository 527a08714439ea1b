using RerankExperiments.Evaluation;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Evaluation;

/// <summary>A hand-made BEIR folder: loading, BM25 candidates, keys and metrics, and malformed files.</summary>
public sealed class BeirEvaluatorTests : IDisposable
{
    const double D0 = 1, D1 = 0.6309297535714575, D2 = 0.5;

    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    static readonly string[] CorpusLines =
    [
        """{"_id": "d1", "title": "Cats", "text": "cats purr and sleep"}""",
        """{"_id": "d2", "title": "", "text": "dogs bark loudly"}""",
        """{"_id": "d3", "text": "cats and dogs play"}""",
        """{"_id": "d4", "title": null, "text": "the stock market fell"}""",
        """{"_id": 5, "text": "birds sing"}""",
    ];

    static readonly string[] QueryLines =
    [
        """{"_id": "q1", "text": "why do cats purr"}""",
        """{"_id": "q2", "text": "dogs bark"}""",
        """{"_id": "q3", "text": "stock market"}""",
        """{"_id": "q4", "text": "birds"}""",
    ];

    // q3 has no judgement and q4 only a 0: both are left out. q2's second positive (5) is not among BM25's hits.
    static readonly string[] QrelLines = ["query-id\tcorpus-id\tscore", "q1\td1\t1", "q2\td2\t1", "q2\t5\t2", "q4\t5\t0"];

    string Folder(string[]? corpus = null, string[]? queries = null, string[]? qrels = null)
    {
        string folder = Path.Combine(_directory.Path, "tiny");
        Directory.CreateDirectory(Path.Combine(folder, "qrels"));
        File.WriteAllLines(Path.Combine(folder, "corpus.jsonl"), corpus ?? CorpusLines);
        File.WriteAllLines(Path.Combine(folder, "queries.jsonl"), queries ?? QueryLines);
        File.WriteAllLines(Path.Combine(folder, "qrels", "test.tsv"), qrels ?? QrelLines);
        return folder;
    }

    [Fact]
    public void LoadsTheFolder()
    {
        var dataset = BeirDataset.Load(Folder());
        Assert.Equal(["d1", "d2", "d3", "d4", "5"], dataset.Corpus.Select(d => d.Id));
        Assert.Equal("Cats", dataset.Corpus[0].Title);
        Assert.Equal("", dataset.Corpus[3].Title);
        Assert.Equal("Cats cats purr and sleep", dataset.Corpus[0].Content(withTitle: true));
        Assert.Equal(4, dataset.Queries.Count);
        Assert.Equal(2, dataset.Qrels["q2"]["5"]);
        Assert.Equal(0, dataset.Qrels["q4"]["5"]);
    }

    [Fact]
    public void BuildsSamplesFromBm25AndJudgements()
    {
        var evaluator = new BeirEvaluator(Folder());
        Assert.Equal("tiny_R100", evaluator.Name);
        Assert.Equal("tiny_R100_ndcg@10", evaluator.PrimaryMetric);
        Assert.Collection(evaluator.Samples,
            s =>
            {
                Assert.Equal("why do cats purr", s.Query);
                Assert.Equal(["cats purr and sleep"], s.Positives);
                // cats + purr beats cats alone.
                Assert.Equal(["cats purr and sleep", "cats and dogs play"], s.Documents!);
            },
            s =>
            {
                Assert.Equal("dogs bark", s.Query);
                Assert.Equal(["dogs bark loudly", "birds sing"], s.Positives);
                Assert.Equal(["dogs bark loudly", "cats and dogs play"], s.Documents!);
            });
        Assert.Single(new BeirEvaluator(Folder(), new BeirEvaluatorOptions(RerankK: 1, Name: "x")).Samples[0].Documents!);
    }

    [Fact]
    public void ReportsRerankedAndBm25MetricsUnderNanoBeirKeys()
    {
        var scorer = new FakeScorer(new Dictionary<string, float>
        {
            ["cats purr and sleep"] = 0.2f, ["cats and dogs play"] = 0.6f, ["dogs bark loudly"] = 0.9f, ["birds sing"] = 0.8f,
        });
        var metrics = new BeirEvaluator(Folder()).Evaluate(scorer.Score);

        Assert.Equal(["tiny_R100_base_map", "tiny_R100_base_mrr@10", "tiny_R100_base_ndcg@10", "tiny_R100_map", "tiny_R100_mrr@10", "tiny_R100_ndcg@10"],
            metrics.Keys.Order());
        // BM25: q1 relevance 1, 0 → 1, 1, 1; q2 relevance 1, 0 plus the missed positive → 1, 0, 1: MRR 1, AP (1 + ⅔)/2, NDCG (d0 + d2)/(d0 + d1).
        Assert.Equal((1 + (1 + 2 / 3.0) / 2) / 2, metrics["tiny_R100_base_map"], 12);
        Assert.Equal(1, metrics["tiny_R100_base_mrr@10"], 12);
        Assert.Equal((1 + (D0 + D2) / (D0 + D1)) / 2, metrics["tiny_R100_base_ndcg@10"], 12);
        // Reranked: q1 puts d3 (0.6) over d1 (0.2) → ½, ½, d1; q2 ranks d2, 5, d3 → 1, 1, 1.
        Assert.Equal((0.5 + 1) / 2, metrics["tiny_R100_map"], 12);
        Assert.Equal((0.5 + 1) / 2, metrics["tiny_R100_mrr@10"], 12);
        Assert.Equal((D1 + 1) / 2, metrics["tiny_R100_ndcg@10"], 12);
        Assert.Equal(5, Assert.Single(scorer.Calls).Count);
    }

    [Fact]
    public void RealModelMetricsEqualTheRerankingEvaluatorsOnTheSameSamples()
    {
        using var encoder = CrossEncoder.Load(FixtureModels.Directory("bert-tiny"));
        var reranker = new Reranker(encoder);
        var evaluator = new BeirEvaluator(Folder(), new BeirEvaluatorOptions(Name: "nano", RerankK: 2, AtK: 5, WithTitle: true));
        var metrics = evaluator.Evaluate(reranker);
        var expected = new RerankingEvaluator(evaluator.Samples, "nano_R2", atK: 5).Evaluate(reranker);
        Assert.Equal(expected.Keys.Order(), metrics.Keys.Order());
        foreach (var (key, value) in expected) Assert.Equal(value, metrics[key], 9);
        Assert.Contains("nano_R2_ndcg@5", metrics.Keys);
        Assert.Equal("Cats cats purr and sleep", evaluator.Samples[0].Positives[0]);
    }

    public static TheoryData<string, int, string> MalformedLines => new()
    {
        { "corpus.jsonl", 2, "not valid JSON" },
        { "corpus.jsonl", 3, "missing \"text\"" },
        { "corpus.jsonl", 4, "\"_id\"" },
        { "queries.jsonl", 2, "occurs twice" },
        { "qrels/test.tsv", 3, "3 tab-separated fields" },
        { "qrels/test.tsv", 4, "not an integer" },
        { "qrels/test.tsv", 5, "'nope' is not in" },
    };

    [Trait("Category", "Faults")]
    [Theory]
    [MemberData(nameof(MalformedLines))]
    public void MalformedLinesNameFileAndLine(string file, int line, string problem)
    {
        var corpus = (string[])CorpusLines.Clone();
        var queries = (string[])QueryLines.Clone();
        var qrels = (string[])QrelLines.Clone();
        switch (file, line)
        {
            case ("corpus.jsonl", 2): corpus[1] = "{\"_id\": \"d2\", \"text\": "; break;
            case ("corpus.jsonl", 3): corpus[2] = "{\"_id\": \"d3\", \"title\": \"no text\"}"; break;
            case ("corpus.jsonl", 4): corpus[3] = "{\"_id\": [1], \"text\": \"x\"}"; break;
            case ("queries.jsonl", 2): queries[1] = QueryLines[0]; break;
            case ("qrels/test.tsv", 3): qrels[2] = "q2 d2 1"; break;
            case ("qrels/test.tsv", 4): qrels[3] = "q2\t5\thigh"; break;
            case ("qrels/test.tsv", 5): qrels[4] = "q4\tnope\t1"; break;
        }
        string folder = Folder(corpus, queries, qrels);
        var error = Assert.Throws<BeirFormatException>(() => new BeirEvaluator(folder));
        string path = Path.Combine(folder, file.Replace('/', Path.DirectorySeparatorChar));
        Assert.StartsWith($"{path}:{line}: ", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Equal(line, error.Line);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void MissingSplitNamesTheFile()
    {
        var error = Assert.Throws<FileNotFoundException>(() => BeirDataset.Load(Folder(), "dev"));
        Assert.Contains(Path.Combine("qrels", "dev.tsv"), error.Message);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void BlankLinesAreSkippedButCounted()
    {
        // The bad line is the 4th of the file even though line 2 is blank.
        string folder = Folder(corpus: [CorpusLines[0], "", CorpusLines[1], "{oops"]);
        var error = Assert.Throws<BeirFormatException>(() => BeirDataset.Load(folder));
        Assert.Equal(4, error.Line);
    }
}
