using RerankExperiments.Cli.Commands;
using RerankExperiments.Data;
using RerankExperiments.Mining;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Mining;

public sealed class MiningOutputTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    static MiningResult Mined(int negatives = 3) => HardNegativeMiner.Mine(HardNegativeMinerTests.Records, new MiningOptions(NumNegatives: negatives), HardNegativeMinerTests.Corpus);

    [Fact]
    public void Every_output_format_reads_back()
    {
        var records = Mined().Records;

        string path = _directory.File("qpn.jsonl");
        Assert.Equal(records.Count, MinedJsonl.Write(path, MinedFormat.QueryPosNeg, records, 3));
        var back = QueryPosNegJsonl.Read(path).ToList();
        Assert.Equal(records.Select(r => (r.Query, string.Join("|", r.Positives), string.Join("|", r.Negatives))), back.Select(r => (r.Query, string.Join("|", r.Positives), string.Join("|", r.Negatives))));
        Assert.Equal(records.SelectMany(r => r.NegativeScores!), back.SelectMany(r => r.NegativeScores!));

        path = _directory.File("pairs.jsonl");
        int rows = MinedJsonl.Write(path, MinedFormat.LabeledPair, records, 3);
        var pairs = MinedJsonl.ReadLabeledPairs(path).ToList();
        Assert.Equal(MinedJsonl.ToLabeledPairs(records), pairs);
        Assert.Equal(6 + 12, rows);
        Assert.Equal(6, pairs.Count(p => p.Label == 1));

        path = _directory.File("triplets.jsonl");
        rows = MinedJsonl.Write(path, MinedFormat.Triplet, records, 3);
        var triplets = MinedJsonl.ReadTriplets(path).ToList();
        Assert.Equal(MinedJsonl.ToTriplets(records), triplets);
        Assert.Equal(6 * 3, rows); // one row per (query, positive, negative)

        path = _directory.File("ntuples.jsonl");
        rows = MinedJsonl.Write(path, MinedFormat.NTuple, records, 3);
        var tuples = MinedJsonl.ReadNTuples(path).ToList();
        Assert.Equal(6, rows);
        Assert.Equal(MinedJsonl.ToNTuples(records, 3).Select(t => (t.Query, t.Positive, string.Join("|", t.Negatives))), tuples.Select(t => (t.Query, t.Positive, string.Join("|", t.Negatives))));
        Assert.Contains("\"negative_3\"", File.ReadAllLines(path)[0]);
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void N_tuples_drop_rows_short_of_n_negatives()
    {
        QueryPosNegRecord[] records = [new("q", ["p"], ["a", "b"]), new("r", ["p1", "p2"], ["a", "b", "c"])];
        var tuples = MinedJsonl.ToNTuples(records, 3).ToList();
        Assert.Equal(["r", "r"], tuples.Select(t => t.Query));
    }

    [Fact]
    public void Bad_rows_name_the_line()
    {
        string path = _directory.File("bad.jsonl");
        File.WriteAllLines(path, ["{\"query\":\"q\",\"positive\":\"p\",\"negative\":\"n\"}", "{\"query\":\"q\"}"]);
        var error = Assert.Throws<DataFormatException>(() => MinedJsonl.ReadTriplets(path).ToList());
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void The_cache_is_reused_for_the_same_inputs()
    {
        var options = new MiningOptions(NumNegatives: 2);
        int computed = 0;
        MiningResult Mine()
        {
            computed++;
            return HardNegativeMiner.Mine(HardNegativeMinerTests.Records, options, HardNegativeMinerTests.Corpus);
        }
        string key = MiningCache.Key(HardNegativeMinerTests.Records, HardNegativeMinerTests.Corpus, options, "bm25");
        var first = MiningCache.GetOrMine(_directory.Path, key, Mine);
        var second = MiningCache.GetOrMine(_directory.Path, key, Mine);
        Assert.Equal(1, computed);
        Assert.False(first.Statistics.FromCache);
        Assert.True(second.Statistics.FromCache);
        Assert.Equal(first.Statistics with { FromCache = true }, second.Statistics);
        Assert.Equal(first.Records.SelectMany(r => r.Negatives), second.Records.SelectMany(r => r.Negatives));
        Assert.True(File.Exists(Path.Combine(_directory.Path, "mining", key + ".jsonl")));

        // Any change of input, options or method is another key.
        Assert.NotEqual(key, MiningCache.Key(HardNegativeMinerTests.Records, HardNegativeMinerTests.Corpus, options with { Seed = 13 }, "bm25"));
        Assert.NotEqual(key, MiningCache.Key(HardNegativeMinerTests.Records, HardNegativeMinerTests.Corpus, options, "bm25+rescore:m"));
        Assert.NotEqual(key, MiningCache.Key(HardNegativeMinerTests.Records.Take(3), HardNegativeMinerTests.Corpus, options, "bm25"));
        Assert.NotEqual(key, MiningCache.Key(HardNegativeMinerTests.Records, null, options, "bm25"));
    }

    [Fact]
    public void Mine_command_end_to_end()
    {
        string data = _directory.File("train.jsonl"), output = _directory.File("out.jsonl"), cache = _directory.File("cache");
        QueryPosNegJsonl.Write(data, [.. HardNegativeMinerTests.Records.Select((r, i) => i == 0 ? r with { Negatives = HardNegativeMinerTests.Corpus } : r)]);
        var arguments = new MineCommand.Arguments(data, output, "triplet", new MiningOptions(NumNegatives: 2, RangeMax: 6, Sampling: NegativeSampling.Random, Seed: 3), CacheDirectory: cache);
        var printed = new StringWriter();
        var errors = new StringWriter();
        Assert.True(MineCommand.Run(arguments, printed, errors) == 0, errors.ToString());
        var triplets = MinedJsonl.ReadTriplets(output).ToList();
        Assert.Equal(6 * 2, triplets.Count);
        Assert.Contains("Mined: 4 queries", printed.ToString());
        Assert.Contains("Negative BM25 scores: n=8", printed.ToString());
        Assert.Contains("short of 2 negatives: 0", printed.ToString());
        Assert.Single(Directory.GetFiles(Path.Combine(cache, "mining"), "*.jsonl"));

        printed = new StringWriter();
        Assert.Equal(0, MineCommand.Run(arguments with { OutputFormat = "n-tuple", Output = _directory.File("tuples.jsonl") }, printed, errors));
        Assert.Contains("Reused cached mining", printed.ToString());
        Assert.Equal(triplets.GroupBy(t => (t.Query, t.Positive)).Select(g => g.Select(t => t.Negative).ToList()),
            MinedJsonl.ReadNTuples(_directory.File("tuples.jsonl")).Select(t => t.Negatives.ToList()));

        // A plain-text corpus: the data's negatives are then not candidates.
        string corpus = _directory.File("corpus.txt");
        File.WriteAllLines(corpus, ["red apple pie", "", "blue sea boat", "red car wash", "apple fruit stand"]);
        Assert.Equal(0, MineCommand.Run(arguments with { Corpus = corpus, OutputFormat = "labeled-pair", NoCache = true }, new StringWriter(), errors));
        var pairs = MinedJsonl.ReadLabeledPairs(output).Where(p => p.Label == 0).Select(p => p.Passage).ToHashSet();
        var allowed = File.ReadAllLines(corpus).Concat(HardNegativeMinerTests.Records.SelectMany(r => r.Positives)).ToHashSet();
        Assert.Subset(allowed, pairs);
    }

    [Fact]
    public void Mine_command_parses_its_options()
    {
        string data = _directory.File("train.jsonl"), output = _directory.File("out.jsonl");
        QueryPosNegJsonl.Write(data, [.. HardNegativeMinerTests.Records.Select((r, i) => i == 0 ? r with { Negatives = HardNegativeMinerTests.Corpus } : r)]);
        int code = MineCommand.Create().Parse(["--data", data, "--method", "bm25", "--num-negatives", "2", "--range-min", "1", "--range-max", "8",
            "--sampling", "random", "--absolute-margin", "0.1", "--min-score", "0.2", "--output-format", "n-tuple", "--output", output,
            "--seed", "5", "--cache-dir", _directory.File("cache")]).Invoke();
        Assert.Equal(0, code);
        Assert.All(MinedJsonl.ReadNTuples(output), t => Assert.Equal(2, t.Negatives.Count));
        Assert.Equal(2, MineCommand.Create().Parse(["--data", data, "--output", output, "--sampling", "best"]).Invoke());
    }

    [Fact]
    public void Mine_command_rescores_with_a_cross_encoder_when_a_margin_is_set()
    {
        string data = _directory.File("train.jsonl"), output = _directory.File("out.jsonl");
        QueryPosNegJsonl.Write(data, [.. HardNegativeMinerTests.Records.Select((r, i) => i == 0 ? r with { Negatives = HardNegativeMinerTests.Corpus } : r)]);
        string model = FixtureModels.Directory("bert-tiny");
        var arguments = new MineCommand.Arguments(data, output, "query-pos-neg", new MiningOptions(NumNegatives: 2, RangeMax: 10, RelativeMargin: 0), NoCache: true, CrossEncoderModel: model);
        var printed = new StringWriter();
        var errors = new StringWriter();
        Assert.True(MineCommand.Run(arguments, printed, errors) == 0, errors.ToString());
        Assert.Contains("cross-encoder scores", printed.ToString());
        var mined = QueryPosNegJsonl.Read(output).ToList();
        Assert.True(mined.Sum(r => r.Negatives.Count) > 0);
        using var encoder = RerankExperiments.Modeling.CrossEncoder.Load(model);
        var reranker = new RerankExperiments.Modeling.Reranker(encoder);
        foreach (var record in mined)
        {
            var expected = reranker.Score([.. record.Negatives.Select(n => (record.Query, n))]);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], record.NegativeScores![i], 4);
            Assert.All(record.NegativeScores!, s => Assert.True(s <= record.PositiveScores!.Min() + 1e-6));
        }
        // Without a margin or max-score the cross-encoder is not used: BM25 as before.
        printed = new StringWriter();
        Assert.Equal(0, MineCommand.Run(arguments with { Options = new MiningOptions(NumNegatives: 2) }, printed, errors));
        Assert.Contains("BM25 scores", printed.ToString());
    }

    [Fact]
    public void Mine_command_reports_bad_input()
    {
        string data = _directory.File("train.jsonl");
        File.WriteAllLines(data, ["{\"query\": \"q\", \"pos\": [\"p\"]}", "{\"query\": 3}"]);
        var errors = new StringWriter();
        var arguments = new MineCommand.Arguments(data, _directory.File("o.jsonl"), "triplet", new MiningOptions(), NoCache: true);
        Assert.Equal(2, MineCommand.Run(arguments, new StringWriter(), errors));
        Assert.Contains($"{data}:2", errors.ToString());
        File.WriteAllLines(data, ["{\"query\": \"q\", \"pos\": [\"p\"]}"]);
        errors = new StringWriter();
        Assert.Equal(2, MineCommand.Run(arguments with { OutputFormat = "pairs" }, new StringWriter(), errors));
        Assert.Contains("Unknown output format", errors.ToString());
        Assert.Equal(2, MineCommand.Run(arguments with { Method = "dense" }, new StringWriter(), errors));
        Assert.Equal(2, MineCommand.Run(arguments with { Options = new MiningOptions(NumNegatives: 0) }, new StringWriter(), errors));
    }
}
