using System.IO.Compression;
using RerankExperiments.Data;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Data;

public sealed class QueryPosNegJsonlTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Records_round_trip_with_teacher_scores_and_gzip()
    {
        var records = new[]
        {
            new QueryPosNegRecord("what is bm25", ["BM25 ranks documents."], ["Cats purr.", "Rain falls."], [2.5f], [0.1f, -1f]),
            new QueryPosNegRecord("ünïcode ✓", ["a", "b"], []),
        };
        string path = _directory.File("train.jsonl");
        QueryPosNegJsonl.Write(path, records);
        var back = QueryPosNegJsonl.Read(path).ToList();
        Assert.Equal(2, back.Count);
        Assert.Equal(records[0].Query, back[0].Query);
        Assert.Equal(records[0].Negatives, back[0].Negatives);
        Assert.Equal(records[0].NegativeScores, back[0].NegativeScores);
        Assert.Equal(records[1].Positives, back[1].Positives);
        Assert.Empty(back[1].Negatives);

        string gz = _directory.File("train.jsonl.gz");
        using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest)) output.Write(File.ReadAllBytes(path));
        Assert.Equal(2, QueryPosNegJsonl.Read(gz).Count());
    }

    [Trait("Category", "Faults")]
    [Theory]
    [InlineData("{\"query\": 1, \"pos\": [\"a\"]}", "\"query\" must be a string")]
    [InlineData("{\"query\": \"q\"}", "\"pos\" is missing")]
    [InlineData("{\"query\": \"q\", \"pos\": []}", "\"pos\" is empty")]
    [InlineData("{\"query\": \"q\", \"pos\": [\"a\"], \"neg\": [3]}", "only strings")]
    [InlineData("{\"query\": \"q\", \"pos\": [\"a\"], \"pos_scores\": [1, 2]}", "2 entries for 1 passages")]
    [InlineData("not json", "")]
    public void Malformed_lines_name_file_and_line_or_are_skipped_and_counted(string bad, string problem)
    {
        string path = _directory.File("bad.jsonl");
        File.WriteAllLines(path, ["{\"query\": \"q\", \"pos\": [\"a\"], \"neg\": [\"b\"]}", "", bad, "{\"query\": \"r\", \"pos\": [\"c\"]}"]);
        var error = Assert.Throws<DataFormatException>(() => QueryPosNegJsonl.Read(path).ToList());
        Assert.StartsWith($"{path}:3:", error.Message);
        Assert.Contains(problem, error.Message);

        var skipped = new List<DataFormatException>();
        var kept = QueryPosNegJsonl.Read(path, skipBadRows: true, onSkipped: skipped.Add).ToList();
        Assert.Equal(["q", "r"], kept.Select(r => r.Query));
        Assert.Equal(3, Assert.Single(skipped).Line);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void Invalid_utf8_names_the_line()
    {
        string path = _directory.File("latin1.jsonl");
        File.WriteAllBytes(path, [.. "{\"query\": \"q\", \"pos\": [\"a\"]}\n"u8.ToArray(), .. "{\"query\": \"caf"u8.ToArray(), 0xE9, .. "\", \"pos\": [\"a\"]}\n"u8.ToArray()]);
        var error = Assert.Throws<DataFormatException>(() => QueryPosNegJsonl.Read(path).ToList());
        Assert.Contains("UTF-8", error.Message);
    }

    [Fact]
    public void A_record_becomes_one_example_positives_first_with_teacher_scores()
    {
        var example = new QueryPosNegRecord("q", ["p1", "p2"], ["n1"], [3f, 2f], [1f]).ToExample();
        Assert.Equal(["p1", "p2", "n1"], example.Passages);
        Assert.Equal([1f, 1f, 0f], example.Labels);
        Assert.Equal([3f, 2f, 1f], example.TeacherScores);
        Assert.Null(new QueryPosNegRecord("q", ["p"], ["n"], [1f]).ToExample().TeacherScores);
    }
}
