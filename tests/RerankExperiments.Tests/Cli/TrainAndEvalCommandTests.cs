using System.Text.Json;
using RerankExperiments.Cli.Commands;
using RerankExperiments.Data;
using RerankExperiments.Tests.Support;
using RerankExperiments.Training;

namespace RerankExperiments.Tests.Cli;

public sealed class TrainAndEvalCommandTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    string WriteData(string name, int queries)
    {
        var pairs = FixtureModels.Pairs();
        var records = Enumerable.Range(0, queries).Select(i => new QueryPosNegRecord(pairs[i].Query, [pairs[i].Passage],
            [pairs[(i + 1) % pairs.Count].Passage, pairs[(i + 2) % pairs.Count].Passage, pairs[(i + 3) % pairs.Count].Passage]));
        string path = _directory.File(name);
        QueryPosNegJsonl.Write(path, records);
        return path;
    }

    [Fact]
    public void Train_writes_checkpoints_and_a_final_model_that_eval_scores()
    {
        string train = WriteData("train.jsonl", 12), dev = WriteData("dev.jsonl", 6), output = _directory.File("out");
        var options = new TrainingOptions { OutputDir = output, MaxSteps = 6, BatchSize = 4, LearningRate = 1e-4, GroupSize = 4, SaveSteps = 3, EvalSteps = 3, MaxLength = 64, LoggingSteps = 2 };
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TrainCommand.Run(FixtureModels.Directory("bert-tiny"), train, dev, "listwise-ce", options, null, false, stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        using var summary = JsonDocument.Parse(stdout.ToString());
        Assert.Equal(6, summary.RootElement.GetProperty("steps").GetInt64());
        Assert.True(summary.RootElement.GetProperty("metrics").TryGetProperty("eval_mrr@10", out _));
        Assert.True(Directory.Exists(Path.Combine(output, "checkpoint-3")));
        Assert.True(File.Exists(Path.Combine(output, "model", "model.safetensors")));
        Assert.Contains("listwise-ce", File.ReadAllText(Path.Combine(output, "model", "README.md")));
        Assert.Contains("[2/6", stderr.ToString());
        string log = File.ReadAllText(Path.Combine(output, "train.log"));
        Assert.Contains("Training 6 steps", log);
        Assert.Contains("Evaluation at step 3", log);
        Assert.Contains("Checkpoint at step 3", log);

        var evalOut = new StringWriter();
        Assert.Equal(0, EvalCommand.Run(Path.Combine(output, "model"), dev, 10, 8, 64, evalOut, new StringWriter()));
        using var metrics = JsonDocument.Parse(evalOut.ToString());
        double mrr = metrics.RootElement.GetProperty("eval_mrr@10").GetDouble();
        Assert.InRange(mrr, 0.0, 1.0);
    }

    [Fact]
    public void Train_and_eval_read_other_files_and_formats()
    {
        var pairs = FixtureModels.Pairs().Take(8).ToList();
        string csv = _directory.File("labeled.csv");
        File.WriteAllLines(csv, ["query,passage,label", .. pairs.SelectMany((p, i) => new[]
        {
            $"\"{p.Query.Replace("\"", "\"\"")}\",\"{p.Passage[..Math.Min(80, p.Passage.Length)].Replace("\"", "\"\"")}\",1",
            $"\"{p.Query.Replace("\"", "\"\"")}\",\"{pairs[(i + 1) % pairs.Count].Passage[..Math.Min(80, pairs[(i + 1) % pairs.Count].Passage.Length)].Replace("\"", "\"\"")}\",0",
        })]);
        var options = new TrainingOptions { OutputDir = _directory.File("csv-run"), MaxSteps = 2, BatchSize = 4, SaveSteps = 0, MaxLength = 48 };
        var stderr = new StringWriter();
        Assert.True(TrainCommand.Run(FixtureModels.Directory("bert-tiny"), csv, csv, "bce", options, null, false, new StringWriter(), stderr, "labeled-pairs") == 0, stderr.ToString());
        var metrics = new StringWriter();
        Assert.Equal(0, EvalCommand.Run(Path.Combine(options.OutputDir, "model"), csv, 10, 8, 48, metrics, new StringWriter(), "labeled-pairs"));
        Assert.Contains("eval_ndcg@10", metrics.ToString());
        Assert.Equal(2, EvalCommand.Run(FixtureModels.Directory("bert-tiny"), csv, 10, 8, 48, new StringWriter(), new StringWriter(), "csv-ish"));
    }

    [Fact]
    public void Eval_reranks_a_local_beir_folder()
    {
        string folder = _directory.File("beir");
        Directory.CreateDirectory(Path.Combine(folder, "qrels"));
        var pairs = FixtureModels.Pairs().Take(20).ToList();
        File.WriteAllLines(Path.Combine(folder, "corpus.jsonl"), pairs.Select((p, i) => JsonSerializer.Serialize(new { _id = $"d{i}", title = "", text = p.Passage })));
        File.WriteAllLines(Path.Combine(folder, "queries.jsonl"), pairs.Take(5).Select((p, i) => JsonSerializer.Serialize(new { _id = $"q{i}", text = p.Query })));
        File.WriteAllLines(Path.Combine(folder, "qrels", "test.tsv"), ["query-id\tcorpus-id\tscore", .. Enumerable.Range(0, 5).Select(i => $"q{i}\td{i}\t1")]);
        var output = new StringWriter();
        var errors = new StringWriter();
        Assert.True(EvalCommand.RunBeir(FixtureModels.Directory("bert-tiny"), folder, "test", 10, 16, 64, output, errors) == 0, errors.ToString());
        using var metrics = JsonDocument.Parse(output.ToString());
        Assert.InRange(metrics.RootElement.GetProperty("beir_R100_ndcg@10").GetDouble(), 0.0, 1.0);
        Assert.Equal(2, EvalCommand.RunBeir(FixtureModels.Directory("bert-tiny"), _directory.File("nobeir"), "test", 10, 16, 64, new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void Eval_reranks_a_hub_nanobeir_dataset_with_its_bm25_ranking()
    {
        using var bed = new RerankExperiments.Tests.Hub.HubTestBed();
        BeirHubFixture.AddBm25(bed.Server, "sentence-transformers/NanoTiny-bm25");
        var output = new StringWriter();
        var errors = new StringWriter();
        Assert.True(EvalCommand.RunBeir(FixtureModels.Directory("bert-tiny"), "hf:sentence-transformers/NanoTiny-bm25", null, 10, 16, 64, output, errors,
            rerankK: 2, hub: bed.Settings()) == 0, errors.ToString());
        using var metrics = JsonDocument.Parse(output.ToString());
        Assert.Equal(0.25, metrics.RootElement.GetProperty("NanoTiny_R2_base_mrr@10").GetDouble(), 6);
        Assert.Equal(2, EvalCommand.RunBeir(FixtureModels.Directory("bert-tiny"), "hf:sentence-transformers/NanoMissing", null, 10, 16, 64,
            new StringWriter(), errors, hub: bed.Settings()));
        Assert.Contains("NanoMissing", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_data_and_options_are_reported_with_exit_code_2()
    {
        string bad = _directory.File("bad.jsonl");
        File.WriteAllLines(bad, ["{\"query\": \"q\", \"pos\": [\"a\"], \"neg\": [\"b\"]}", "{\"query\": \"q\"}"]);
        var errors = new StringWriter();
        var options = new TrainingOptions { OutputDir = _directory.File("o"), MaxSteps = 1, GroupSize = 2 };
        Assert.Equal(2, TrainCommand.Run(FixtureModels.Directory("bert-tiny"), bad, null, "listwise-ce", options, null, false, new StringWriter(), errors));
        Assert.Contains($"{bad}:2", errors.ToString());
        errors = new StringWriter();
        Assert.Equal(2, TrainCommand.Run(FixtureModels.Directory("bert-tiny"), bad, null, "no-such-loss", options, null, true, new StringWriter(), errors));
        Assert.Contains("no-such-loss", errors.ToString());
        Assert.Equal(2, EvalCommand.Run(FixtureModels.Directory("bert-tiny"), _directory.File("missing.jsonl"), 10, 8, null, new StringWriter(), new StringWriter()));
    }
}
