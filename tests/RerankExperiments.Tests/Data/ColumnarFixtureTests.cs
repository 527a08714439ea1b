using System.Text.Json;
using RerankExperiments.Data;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Data;

/// <summary>
/// Parquet and Arrow files written by independent libraries (parquet-wasm, Apache Arrow JS) through
/// fixtures/scripts/make_data_fixtures.mjs, read back row for row against the expected_rows.json the script wrote
/// beside them: nested list columns, a null list, an empty list, a null list item, null scalars, unicode, and two
/// Parquet row groups / two Arrow record batches.
/// </summary>
public sealed class ColumnarFixtureTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Trait("Category", "Faults")]
    [Theory]
    [InlineData("broken.parquet")]
    [InlineData("broken.arrow")]
    public void A_file_that_is_not_parquet_or_arrow_is_an_error_naming_it(string name)
    {
        string path = _directory.File(name);
        File.WriteAllText(path, "{\"query\": \"this is JSON, not a columnar file\"}\n");
        var error = Assert.Throws<DataFormatException>(() => RowSources.Open(path).ReadRows().ToList());
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void Large_strings_and_other_number_widths_in_an_arrow_stream_are_read()
    {
        // Arrow JS cannot write large_string, which `datasets` uses for big text columns; the C# writer can.
        string path = _directory.File("cache.arrow");
        var query = new Apache.Arrow.LargeStringArray.Builder().Append("large ✓").AppendNull().Build();
        var label = new Apache.Arrow.Int32Array.Builder().Append(3).Append(-1).Build();
        var score = new Apache.Arrow.FloatArray.Builder().Append(0.5f).AppendNull().Build();
        var passages = new Apache.Arrow.ListArray.Builder(Apache.Arrow.Types.StringType.Default);
        var items = (Apache.Arrow.StringArray.Builder)passages.ValueBuilder;
        passages.Append();
        items.Append("a").AppendNull();
        passages.AppendNull();
        var batch = new Apache.Arrow.RecordBatch.Builder()
            .Append("query", true, query).Append("label", false, label).Append("score", true, score).Append("passages", true, passages.Build())
            .Build();
        using (var output = File.Create(path))
        using (var writer = new Apache.Arrow.Ipc.ArrowStreamWriter(output, batch.Schema))
        {
            writer.WriteRecordBatch(batch);
            writer.WriteEnd();
        }
        var rows = RowSources.Open(path).ReadRows().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal("large ✓", rows[0]["query"]);
        Assert.Equal(3.0, rows[0]["label"]);
        Assert.Equal(0.5, rows[0]["score"]);
        Assert.Equal(["a", null], Assert.IsAssignableFrom<IReadOnlyList<object?>>(rows[0]["passages"]));
        Assert.Null(rows[1]["query"]);
        Assert.Equal(-1.0, rows[1]["label"]);
        Assert.Null(rows[1]["score"]);
        Assert.Null(rows[1]["passages"]);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void A_truncated_parquet_file_is_an_error_naming_it()
    {
        string path = _directory.File("truncated.parquet");
        var bytes = File.ReadAllBytes(Fixtures.Path("data", "rows.parquet"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<DataFormatException>(() => RowSources.Open(path).ReadRows().ToList());
        Assert.StartsWith(path, error.Message);
    }

    [Theory]
    [InlineData("rows.parquet")]
    [InlineData("rows.stream.arrow")]
    [InlineData("rows.file.arrow")]
    public void Rows_match_the_expected_json_row_for_row(string file)
    {
        using var expected = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("data", "expected_rows.json")));
        var rows = RowSources.Open(Fixtures.Path("data", file)).ReadRows().ToList();
        var expectedRows = expected.RootElement.EnumerateArray().ToList();
        Assert.Equal(expectedRows.Count, rows.Count);
        for (int r = 0; r < rows.Count; r++)
        {
            Assert.Equal(r + 1, rows[r].Number);
            var names = expectedRows[r].EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(names.Order(), rows[r].Values.Keys.Order());
            foreach (var property in expectedRows[r].EnumerateObject())
                AssertSame(property.Value, rows[r][property.Name], $"{file} row {r + 1} column {property.Name}");
        }
    }

    [Fact]
    public void The_fixture_maps_to_query_pos_neg_examples_with_a_null_negative_list_as_none()
    {
        foreach (string file in new[] { "rows.parquet", "rows.stream.arrow" })
        {
            var result = RankingDatasets.Load(Fixtures.Path("data", file), new DatasetReadOptions(DatasetFormat.QueryPosNeg));
            Assert.Empty(result.Skipped);
            Assert.Equal(4, result.Examples.Count);
            var first = result.Examples[0];
            Assert.Equal(["BM25 ranks documents by term frequency.", "Cats purr.", "Rain, \"quoted\", falls."], first.Passages);
            Assert.Equal([1f, 0f, 0f], first.Labels);
            Assert.Null(first.TeacherScores); // neg_scores without pos_scores: no aligned teacher list
            Assert.Equal("ünïcode ✓ 日本語", result.Examples[1].Query);
            Assert.Equal(["テキスト", "second positive"], result.Examples[1].Passages);
            Assert.Equal(["only a positive"], result.Examples[2].Passages);
        }
    }

    static void AssertSame(JsonElement expected, object? actual, string where)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Null:
                Assert.True(actual is null, $"{where}: expected null, got {actual}");
                break;
            case JsonValueKind.String:
                Assert.Equal(expected.GetString(), Assert.IsType<string>(actual));
                break;
            case JsonValueKind.Number:
                Assert.Equal(expected.GetDouble(), Assert.IsType<double>(actual));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                Assert.Equal(expected.GetBoolean(), Assert.IsType<bool>(actual));
                break;
            case JsonValueKind.Array:
                var items = Assert.IsAssignableFrom<IReadOnlyList<object?>>(actual);
                Assert.Equal(expected.GetArrayLength(), items.Count);
                int i = 0;
                foreach (var item in expected.EnumerateArray()) AssertSame(item, items[i++], $"{where}[{i}]");
                break;
            default:
                Assert.Fail($"{where}: unexpected {expected.ValueKind} in expected_rows.json");
                break;
        }
    }
}
