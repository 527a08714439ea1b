using System.Text;
using System.Text.Json;
using RerankExperiments.Data;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Data;

public sealed class JsonArrayRowSourceTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_large_array_streams_across_buffer_refills_and_an_element_larger_than_the_buffer()
    {
        string path = _directory.File("big.json");
        // ~1.5 MB over a 64 KiB buffer, with one 200 KB element that forces the buffer to grow.
        var rows = Enumerable.Range(0, 3000).Select(i => new Dictionary<string, object?>
        {
            ["query"] = $"q{i} ✓",
            ["neg"] = new[] { new string('n', i == 1234 ? 200_000 : 400), "x" },
            ["score"] = i * 0.5,
            ["flag"] = i % 2 == 0,
            ["none"] = null,
        }).ToList();
        File.WriteAllText(path, JsonSerializer.Serialize(rows), new UTF8Encoding(true)); // with a BOM
        var back = new JsonArrayRowSource(path).ReadRows().ToList();
        Assert.Equal(3000, back.Count);
        for (int i = 0; i < back.Count; i++)
        {
            Assert.Equal(i + 1, back[i].Number);
            Assert.Equal($"q{i} ✓", back[i]["query"]);
            var neg = Assert.IsAssignableFrom<IReadOnlyList<object?>>(back[i]["neg"]);
            Assert.Equal(i == 1234 ? 200_000 : 400, Assert.IsType<string>(neg[0]).Length);
            Assert.Equal(i * 0.5, back[i]["score"]);
            Assert.Equal(i % 2 == 0, back[i]["flag"]);
            Assert.True(back[i].Has("none"));
            Assert.Null(back[i]["none"]);
        }
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void An_element_that_is_not_an_object_names_its_row_or_is_skipped_and_reported()
    {
        string path = _directory.File("rows.json");
        File.WriteAllText(path, "[{\"query\": \"a\"},\n 42,\n {\"query\": \"c\", \"nested\": {\"k\": 1}}]\n");
        var error = Assert.Throws<DataFormatException>(() => new JsonArrayRowSource(path).ReadRows().ToList());
        Assert.StartsWith($"{path}:2:", error.Message);

        var skipped = new List<DataFormatException>();
        var rows = new JsonArrayRowSource(path, skipped.Add).ReadRows().ToList();
        Assert.Equal(["a", "c"], rows.Select(r => (string)r["query"]!));
        Assert.Equal([1, 3], rows.Select(r => r.Number));
        Assert.IsType<UnsupportedValue>(rows[1]["nested"]);
        Assert.Equal(2, Assert.Single(skipped).Line);
    }

    [Trait("Category", "Faults")]
    [Theory]
    [InlineData("[{\"query\": \"a\"}, {\"query\": ", ":2:")]
    [InlineData("[{\"query\": \"a\"}] trailing", "after the closing")]
    [InlineData("{\"query\": \"a\"} x", "expected a JSON array")]
    [InlineData("[{\"query\": \"a\"} {\"query\": \"b\"}]", ":2:")]
    public void Malformed_files_are_errors_naming_the_file(string text, string expected)
    {
        string path = _directory.File("bad.json");
        File.WriteAllText(path, text);
        var error = Assert.Throws<DataFormatException>(() => new JsonArrayRowSource(path).ReadRows().ToList());
        Assert.Contains(expected, error.Message);
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void An_empty_array_has_no_rows_and_json_lines_saved_as_json_are_read_as_lines()
    {
        string empty = _directory.File("empty.json");
        File.WriteAllText(empty, " [ ] \n");
        Assert.Empty(RowSources.Open(empty).ReadRows());

        string lines = _directory.File("lines.json");
        File.WriteAllText(lines, "{\"query\": \"a\"}\n{\"query\": \"b\"}\n");
        Assert.IsType<JsonlRowSource>(RowSources.Open(lines));
        Assert.Equal(2, RowSources.Open(lines).ReadRows().Count());
    }

    [Theory]
    [InlineData("a.jsonl", typeof(JsonlRowSource))]
    [InlineData("a.JSONL.GZ", typeof(JsonlRowSource))]
    [InlineData("a.csv", typeof(DelimitedRowSource))]
    [InlineData("a.tsv", typeof(DelimitedRowSource))]
    [InlineData("a.parquet", typeof(ParquetRowSource))]
    [InlineData("a.arrow", typeof(ArrowRowSource))]
    [InlineData("a.json", typeof(JsonArrayRowSource))]
    public void The_reader_is_picked_by_extension(string name, Type expected) =>
        Assert.IsType(expected, RowSources.Open(_directory.File(name)));

    [Trait("Category", "Faults")]
    [Fact]
    public void An_unknown_extension_is_an_error_listing_the_supported_ones()
    {
        var error = Assert.Throws<DataFormatException>(() => RowSources.Open(_directory.File("a.xlsx")));
        Assert.Contains(".parquet", error.Message);
    }
}
