using RerankExperiments.Cli.Commands;
using RerankExperiments.Data;
using RerankExperiments.Mining;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Mining;

public sealed class DenseMiningTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();
    readonly string _model;

    public DenseMiningTests() => _model = StaticEmbeddingFixture.Write(Path.Combine(_directory.Path, "static"));

    public void Dispose() => _directory.Dispose();

    static double Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();

    float[] Embed(ITextEncoder encoder, string text)
    {
        using var row = encoder.Encode([text]);
        return row.data<float>().ToArray();
    }

    [Fact]
    public void Dense_mining_keeps_the_invariants_and_scores_are_cosines()
    {
        using var encoder = TextEncoders.Load(_model);
        var options = new MiningOptions(NumNegatives: 4, RangeMax: 12);
        // Small chunks and query blocks: the streaming path, not one big matrix.
        var retriever = new DenseRetriever(encoder, new DenseRetrieverOptions(CorpusChunk: 5, QueryBlock: 2));
        var mined = HardNegativeMiner.Mine(HardNegativeMinerTests.Records, options, retriever, HardNegativeMinerTests.Corpus);
        var queries = HardNegativeMiner.DeduplicateQueries(HardNegativeMinerTests.Records);
        Assert.Equal(queries.Count, mined.Records.Count);
        var passages = HardNegativeMinerTests.Corpus.Concat(queries.SelectMany(q => q.Positives)).Distinct().ToList();
        foreach (var record in mined.Records)
        {
            var positives = queries.Single(q => q.Query == record.Query).Positives;
            Assert.Equal(positives, record.Positives);
            Assert.Equal(4, record.Negatives.Count);
            Assert.Empty(record.Negatives.Intersect(positives));
            Assert.Equal(record.Negatives.Count, record.Negatives.Distinct().Count());
            var query = Embed(encoder, record.Query);
            for (int i = 0; i < positives.Count; i++) Assert.Equal(Cosine(query, Embed(encoder, positives[i])), record.PositiveScores![i], 5);
            for (int i = 0; i < record.Negatives.Count; i++) Assert.Equal(Cosine(query, Embed(encoder, record.Negatives[i])), record.NegativeScores![i], 5);
            Assert.Equal(record.NegativeScores!.OrderByDescending(s => s), record.NegativeScores!);
            // Top sampling: nothing left out (other than positives) scores above the last negative kept.
            float last = record.NegativeScores![^1];
            Assert.All(passages.Except(positives).Except(record.Negatives), p => Assert.True(Cosine(query, Embed(encoder, p)) <= last + 1e-5));
        }
        Assert.Equal(mined.Records.Sum(r => r.Negatives.Count), mined.Statistics.Negatives);
    }

    [Fact]
    public void Same_seed_same_output_whatever_the_chunking()
    {
        using var encoder = TextEncoders.Load(_model);
        var options = new MiningOptions(NumNegatives: 3, RangeMin: 1, RangeMax: 10, Sampling: NegativeSampling.Random, Seed: 7);
        string Run(DenseRetrieverOptions retrieval) => string.Join("\n", HardNegativeMiner.Mine(HardNegativeMinerTests.Records, options,
            new DenseRetriever(encoder, retrieval), HardNegativeMinerTests.Corpus).Records.Select(r => r.Query + ":" + string.Join("|", r.Negatives)));
        string first = Run(new DenseRetrieverOptions());
        Assert.Equal(first, Run(new DenseRetrieverOptions()));
        Assert.Equal(first, Run(new DenseRetrieverOptions(CorpusChunk: 3, QueryBlock: 1)));
    }

    [Fact]
    public void Progress_reports_every_stage_up_to_its_total()
    {
        using var encoder = TextEncoders.Load(_model, new TextEncoderOptions(BatchSize: 4));
        var reports = new List<RetrievalProgress>();
        var retriever = new DenseRetriever(encoder, new DenseRetrieverOptions(CorpusChunk: 6), new Collect(reports));
        HardNegativeMiner.Mine(HardNegativeMinerTests.Records, new MiningOptions(), retriever, HardNegativeMinerTests.Corpus);
        var passages = reports.Where(r => r.Stage == RetrievalStage.EmbeddingPassages).ToList();
        Assert.Equal(Enumerable.Range(0, passages.Count).Select(_ => passages[0].Total), passages.Select(p => p.Total));
        Assert.Equal(passages[0].Total, passages[^1].Done);
        Assert.True(passages.Zip(passages.Skip(1)).All(p => p.First.Done < p.Second.Done));
        Assert.Contains(reports, r => r.Stage == RetrievalStage.EmbeddingQueries && r.Done == 4);

        var printed = new StringWriter();
        var lines = new RetrievalProgressLines(printed, TimeSpan.FromHours(1));
        foreach (var report in passages) lines.Report(report);
        // The first report and the one that finishes the stage; the rest fall inside the interval.
        Assert.Equal(2, printed.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains($"embedded {passages[0].Total:N0}/{passages[0].Total:N0} passages", printed.ToString());
    }

    sealed class Collect(List<RetrievalProgress> reports) : IProgress<RetrievalProgress>
    {
        public void Report(RetrievalProgress value) => reports.Add(value);
    }

    [Fact]
    public void Mine_command_with_a_dense_model_end_to_end_in_every_format()
    {
        // Pairs as CSV: read through RankingDatasets like every other file type.
        string data = _directory.File("pairs.csv");
        File.WriteAllLines(data, ["query,answer", .. HardNegativeMinerTests.Records.SelectMany(r => r.Positives.Select(p => $"{r.Query},{p}"))]);
        string corpus = _directory.File("corpus.txt");
        File.WriteAllLines(corpus, HardNegativeMinerTests.Corpus);
        var arguments = new MineCommand.Arguments(data, _directory.File("out.jsonl"), "query-pos-neg", new MiningOptions(NumNegatives: 2),
            Method: "dense", Corpus: corpus, CacheDirectory: _directory.File("cache"), Format: "pairs", Model: _model);
        var printed = new StringWriter();
        var errors = new StringWriter();
        Assert.True(MineCommand.Run(arguments, printed, errors) == 0, errors.ToString());
        Assert.Contains("Mined: 4 queries, 8 negatives", printed.ToString());
        Assert.Contains("Negative cosine similarities: n=8", printed.ToString());

        var records = RankingDatasets.Load(arguments.Output, new DatasetReadOptions(DatasetFormat.QueryPosNeg)).Examples;
        Assert.Equal(4, records.Count);
        Assert.All(records, r => Assert.Equal(2, r.Labels.Count(l => l == 0)));

        foreach (var (name, format, rows) in new[] { ("labeled-pair", DatasetFormat.LabeledPairs, 4), ("triplet", DatasetFormat.Triplets, 12), ("n-tuple", DatasetFormat.Triplets, 6) })
        {
            printed = new StringWriter();
            string output = _directory.File(name + ".jsonl");
            Assert.True(MineCommand.Run(arguments with { OutputFormat = name, Output = output }, printed, errors) == 0, errors.ToString());
            Assert.Contains("Reused cached mining", printed.ToString());
            var examples = RankingDatasets.Load(output, new DatasetReadOptions(format)).Examples;
            Assert.Equal(rows, examples.Count);
            // Every read-back example holds only the mined negatives of its query.
            foreach (var example in examples)
            {
                var mined = records.Single(r => r.Query == example.Query);
                Assert.Subset(mined.Passages.ToHashSet(), example.Passages.ToHashSet());
            }
        }

        // Another model is another cache entry.
        string other = StaticEmbeddingFixture.Write(_directory.File("static-copy"));
        printed = new StringWriter();
        Assert.Equal(0, MineCommand.Run(arguments with { Model = other }, printed, errors));
        Assert.StartsWith("Mined:", printed.ToString());
    }

    [Fact]
    public void Mine_command_reads_a_beir_folder()
    {
        string folder = _directory.File("beir");
        Directory.CreateDirectory(Path.Combine(folder, "qrels"));
        File.WriteAllLines(Path.Combine(folder, "corpus.jsonl"), HardNegativeMinerTests.Corpus.Select((t, i) => $$"""{"_id": "d{{i}}", "title": "", "text": "{{t}}"}"""));
        File.WriteAllLines(Path.Combine(folder, "queries.jsonl"), ["""{"_id": "q1", "text": "red apple"}""", """{"_id": "q2", "text": "blue sea"}""", """{"_id": "q3", "text": "unjudged"}"""]);
        File.WriteAllLines(Path.Combine(folder, "qrels", "train.tsv"), ["query-id\tcorpus-id\tscore", "q1\td0\t1", "q2\td10\t1", "q3\td1\t0"]);
        var arguments = new MineCommand.Arguments(folder, _directory.File("beir.jsonl"), "query-pos-neg", new MiningOptions(NumNegatives: 3),
            Method: "dense", NoCache: true, Format: "beir", Model: _model);
        var errors = new StringWriter();
        Assert.True(MineCommand.Run(arguments, new StringWriter(), errors) == 0, errors.ToString());
        var mined = QueryPosNegJsonl.Read(arguments.Output).ToList();
        Assert.Equal(["red apple", "blue sea"], mined.Select(r => r.Query));
        Assert.Equal(["red apple on the table"], mined[0].Positives);
        Assert.All(mined, r => Assert.Equal(3, r.Negatives.Count));
    }

    [Fact]
    public void Mine_command_reports_dense_input_problems()
    {
        string data = _directory.File("labeled.jsonl");
        File.WriteAllLines(data, ["""{"query": "q", "passage": "p", "label": 1}""", """{"query": "q", "passage": "n"}"""]);
        var arguments = new MineCommand.Arguments(data, _directory.File("o.jsonl"), "triplet", new MiningOptions(), Method: "dense", NoCache: true,
            Format: "labeled-pairs", Model: _model);
        var errors = new StringWriter();
        Assert.Equal(2, MineCommand.Run(arguments, new StringWriter(), errors));
        Assert.Contains($"{data}:2", errors.ToString());
        errors = new StringWriter();
        Assert.Equal(2, MineCommand.Run(arguments with { Model = null }, new StringWriter(), errors));
        Assert.Contains("--model", errors.ToString());
        errors = new StringWriter();
        Assert.Equal(2, MineCommand.Run(arguments with { Device = "tpu" }, new StringWriter(), errors));
        Assert.Contains("--device", errors.ToString());
    }
}
