using System.Text.Json;
using RerankExperiments.Data;
using RerankExperiments.Modeling.Scratch;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Training;

namespace RerankExperiments.Bench.Performance;

/// <summary>
/// The quickstart's data as the performance benchmarks use it: the first 12,000 rows of
/// data/debian-packages/train.jsonl (the quickstart's limit), each query (a package's summary) paired with its own
/// long description (label 1) and, for every other row, with another package's description drawn from a seeded
/// generator (label 0) — BCE pairs whose lengths are those the quickstart trains on. The tokenizer is the quickstart's
/// own: WordPiece trained on these texts, 8,000 tokens, lowercased.
/// </summary>
public sealed class QuickstartData
{
    public const int Rows = 12_000;

    QuickstartData(IReadOnlyList<RankingExample> examples) => Examples = examples;

    /// <summary>One (query, passage, label) example per row, in a seeded random order.</summary>
    public IReadOnlyList<RankingExample> Examples { get; }

    public IEnumerable<(string Query, string Passage)> Pairs => Examples.Select(e => (e.Query, e.Passages[0]));

    public static string TrainFile(string root) => Path.Combine(root, "data", "debian-packages", "train.jsonl");

    public static QuickstartData Load(string root)
    {
        var rows = File.ReadLines(TrainFile(root)).Take(Rows).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return (Query: row.RootElement.GetProperty("query").GetString()!, Positive: row.RootElement.GetProperty("positive").GetString()!);
        }).ToList();
        var random = new Random(16);
        var examples = rows.Select((row, i) => i % 2 == 0
            ? new RankingExample(row.Query, [row.Positive], [1])
            : new RankingExample(row.Query, [rows[(i + 1 + random.Next(rows.Count - 1)) % rows.Count].Positive], [0])).ToArray();
        random.Shuffle(examples);
        return new QuickstartData(examples);
    }

    /// <summary>The pairs <see cref="Gpu.GpuBenchmarks"/> wrote (query, passage, label per line), in their order.</summary>
    public static QuickstartData FromPairsFile(string path) =>
        new(File.ReadLines(path).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            var r = row.RootElement;
            return new RankingExample(r.GetProperty("query").GetString()!, [r.GetProperty("passage").GetString()!], [r.GetProperty("label").GetSingle()]);
        }).ToList());

    /// <summary>Trains the quickstart's tokenizer on the rows' texts into <paramref name="directory"/> (once).</summary>
    public static string BuildTokenizer(string root, string directory)
    {
        if (File.Exists(Path.Combine(directory, TokenizerLoader.TokenizerFileName))) return directory;
        var data = Load(root);
        var options = new ScratchModelOptions(VocabularySize: 8000, Lowercase: true, MinFrequency: 2);
        var vocabulary = ScratchModel.TrainVocabulary(options, data.Examples.SelectMany(e => e.Passages.Prepend(e.Query)));
        BertTokenizerWriter.Write(directory, vocabulary, options.Lowercase, modelMaxLength: 512);
        return directory;
    }
}
