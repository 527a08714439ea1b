using System.Text;
using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// Data files at the edges: empty, only blank lines, invalid UTF-8 deep in the file, a 50 MB line, a line past the
/// limit, wrong JSON types. Each is read, or is an error naming the file and (where there is one) the line.
/// </summary>
[Trait("Category", "Faults")]
public sealed class DataFileEdgeCaseTests : IDisposable
{
    static readonly DatasetReadOptions QueryPosNeg = new(DatasetFormat.QueryPosNeg);

    const string Row = """{"query": "q", "pos": ["a passage"], "neg": ["another"]}""";

    /// <summary>In memory: the giant-line tests write tens of megabytes.</summary>
    readonly TemporaryDirectory _directory = TemporaryDirectory.InMemory();

    public void Dispose() => _directory.Dispose();

    string Write(string name, byte[] bytes)
    {
        string path = _directory.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    static DataFormatException NamesFile(string path, Action load)
    {
        var error = Assert.Throws<DataFormatException>(load);
        Assert.Equal(path, error.FilePath);
        Assert.StartsWith(path, error.Message);
        return error;
    }

    [Theory]
    [InlineData("empty.jsonl", "")]
    [InlineData("blank.jsonl", "\n\n   \n\t\r\n")]
    [InlineData("empty.json", "[]")]
    [InlineData("header-only.csv", "query,pos,neg\n")]
    [InlineData("header-only.tsv", "query\tpos\n\n")]
    public void A_file_without_rows_is_an_error_naming_it(string name, string text)
    {
        string path = Write(name, Encoding.UTF8.GetBytes(text));
        Assert.Contains("holds no rows", NamesFile(path, () => RankingDatasets.Load(path, QueryPosNeg)).Message);
    }

    [Theory]
    [InlineData("empty.csv", "")]
    [InlineData("empty-array.json", "")]
    [InlineData("blank.json", "\n\n")]
    public void A_file_without_even_a_header_is_an_error_naming_it(string name, string text)
    {
        string path = Write(name, Encoding.UTF8.GetBytes(text));
        NamesFile(path, () => RankingDatasets.Load(path, QueryPosNeg));
    }

    [Fact]
    public void A_file_whose_rows_are_all_skipped_says_so_with_the_first_reason()
    {
        string path = Write("bad.jsonl", Encoding.UTF8.GetBytes("{\"query\": 1, \"pos\": [\"a\"]}\n{oops\n"));
        var error = NamesFile(path, () => RankingDatasets.Load(path, QueryPosNeg with { SkipBadRows = true }));
        Assert.Contains("all 2 rows were skipped", error.Message);
        Assert.Contains(":1:", error.Message);
    }

    /// <summary>Line 3,000 is past the first 64 KB read: a stream decoder would blame whatever line its buffer ended in.</summary>
    [Theory]
    [InlineData("rows.jsonl")]
    [InlineData("rows.jsonl.gz")]
    public void Invalid_utf8_far_into_a_file_names_its_exact_line(string name)
    {
        var bytes = new List<byte>();
        for (int line = 1; line < 3000; line++) bytes.AddRange(Encoding.UTF8.GetBytes(Row + "\n"));
        bytes.AddRange([.. "{\"query\": \"caf"u8, 0xE9, .. "\", \"pos\": [\"a\"]}\n"u8]);
        byte[] content = bytes.ToArray();
        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var packed = new MemoryStream();
            using (var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.Fastest)) gzip.Write(content);
            content = packed.ToArray();
        }
        string path = Write(name, content);
        var error = NamesFile(path, () => RankingDatasets.Load(path, QueryPosNeg));
        Assert.Equal(3000, error.Line);
        Assert.Contains("not valid UTF-8 (byte 15 of the line)", error.Message);
        Assert.Equal(3000, NamesFile(path, () => QueryPosNegJsonl.Read(path).ToList()).Line);
    }

    [Fact]
    public void A_corrupt_gzip_file_is_an_error_naming_it()
    {
        string path = Write("rows.jsonl.gz", [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF]);
        Assert.Contains("cannot be decompressed", NamesFile(path, () => RankingDatasets.Load(path, QueryPosNeg)).Message);
    }

    [Fact]
    public void A_50_MB_line_is_read_whole()
    {
        string passage = new('x', 50_000_000);
        string path = Write("giant.jsonl", Encoding.UTF8.GetBytes($"{Row}\n{{\"query\": \"q2\", \"pos\": [\"{passage}\"]}}\n{Row}\n"));
        var examples = RankingDatasets.Load(path, QueryPosNeg).Examples;
        Assert.Equal(3, examples.Count);
        Assert.Equal(passage.Length, examples[1].Passages[0].Length);
    }

    [Fact]
    public void A_line_longer_than_the_limit_is_an_error_naming_it_not_an_out_of_memory()
    {
        var bytes = new byte[Row.Length + 1 + TextLines.MaxLineBytes + 1];
        Array.Fill(bytes, (byte)'x');
        Encoding.UTF8.GetBytes(Row + "\n").CopyTo(bytes, 0);
        string path = Write("binary.jsonl", bytes);
        var error = NamesFile(path, () => RankingDatasets.Load(path, QueryPosNeg));
        Assert.Equal(2, error.Line);
        Assert.Contains("longer than 64 MiB", error.Message);
    }

    [Theory]
    [InlineData("""{"query": ["q"], "pos": ["a"]}""", "'query' must be text")]
    [InlineData("""{"query": "q", "pos": [1]}""", "must hold only texts")]
    [InlineData("""{"query": "q", "pos": "a", "neg": {"x": 1}}""", "'neg' must be a list of texts")]
    [InlineData("""{"query": "q", "pos": []}""", "every query needs a positive")]
    [InlineData("""["q", "a"]""", "object")]
    [InlineData("""{"query": "q", "pos": ["a"]""", "")]
    public void Wrong_json_types_name_the_line_and_column(string line, string problem)
    {
        string path = Write("types.jsonl", Encoding.UTF8.GetBytes($"{Row}\n{line}\n"));
        var error = NamesFile(path, () => RankingDatasets.Load(path, QueryPosNeg));
        Assert.Equal(2, error.Line);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Invalid_utf8_in_a_corpus_names_its_line()
    {
        string path = Write("corpus.txt", [.. "first passage\n\nthird "u8, 0xC0, 0x80, .. "\n"u8]);
        Assert.Equal(3, NamesFile(path, () => CorpusFile.Read(path)).Line);
        string jsonl = Write("corpus.jsonl", Encoding.UTF8.GetBytes("{\"text\": \"a\"}\n{\"text\": 7}\n"));
        Assert.Contains("expected {\"text\": string}", NamesFile(jsonl, () => CorpusFile.Read(jsonl)).Message);
    }

    [Fact]
    public void Csv_with_invalid_utf8_or_a_missing_column_names_the_file()
    {
        string path = Write("bad.csv", [.. "query,pos\nq,caf"u8, 0xE9, .. "\n"u8]);
        Assert.Contains("UTF-8", NamesFile(path, () => RankingDatasets.Load(path, QueryPosNeg)).Message);
        string missing = Write("missing.csv", Encoding.UTF8.GetBytes("question,answer_text\nq,a\n"));
        Assert.Contains("question", NamesFile(missing, () => RankingDatasets.Load(missing, QueryPosNeg)).Message);
    }

    string BeirFolder(string corpus, string queries, string qrels)
    {
        string folder = _directory.File("beir");
        Directory.CreateDirectory(Path.Combine(folder, "qrels"));
        File.WriteAllText(Path.Combine(folder, "corpus.jsonl"), corpus);
        File.WriteAllText(Path.Combine(folder, "queries.jsonl"), queries);
        File.WriteAllText(Path.Combine(folder, "qrels", "test.tsv"), qrels);
        return folder;
    }

    [Fact]
    public void Beir_files_that_are_empty_or_not_utf8_name_the_file_and_line()
    {
        const string Corpus = "{\"_id\": \"d1\", \"text\": \"cats\"}\n";
        const string Queries = "{\"_id\": \"q1\", \"text\": \"cats?\"}\n";
        string folder = BeirFolder(Corpus, Queries, "query-id\tcorpus-id\tscore\n");
        var noJudgements = Assert.Throws<BeirFormatException>(() => BeirDataset.Load(folder));
        Assert.StartsWith(Path.Combine(folder, "qrels", "test.tsv"), noJudgements.Message);
        Assert.Contains("no judgements", noJudgements.Message);

        folder = BeirFolder("", Queries, "q1\td1\t1\n");
        Assert.Contains("'d1' is not in", Assert.Throws<BeirFormatException>(() => BeirDataset.Load(folder)).Message);

        folder = BeirFolder(Corpus, "\n" + Queries.Replace("cats?", "caf\u00e9", StringComparison.Ordinal), "q1\td1\t1\n");
        byte[] latin1 = Encoding.Latin1.GetBytes(File.ReadAllText(Path.Combine(folder, "queries.jsonl")));
        File.WriteAllBytes(Path.Combine(folder, "queries.jsonl"), latin1);
        var error = Assert.Throws<BeirFormatException>(() => BeirDataset.Load(folder));
        Assert.Equal(2, error.Line);
        Assert.StartsWith(Path.Combine(folder, "queries.jsonl") + ":2:", error.Message);
        Assert.Contains("UTF-8", error.Message);
    }
}
