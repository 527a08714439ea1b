using RerankExperiments.Data;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Data;

public sealed class DelimitedRowSourceTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Csv_quoting_multiline_cells_list_cells_and_empty_cells()
    {
        string path = _directory.File("rows.csv");
        File.WriteAllText(path,
            "query,pos,neg,label\n" +
            "\"what, exactly, is bm25\",\"He said \"\"rank\"\"\",\"[\"\"Cats purr.\"\", \"\"a, b\"\"]\",1\n" +
            "\"two\nlines\",[1] Introduction,[],0.5\n" +
            "ünïcode ✓,p,,\n");
        var rows = RowSources.Open(path).ReadRows().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal("what, exactly, is bm25", rows[0]["query"]);
        Assert.Equal("He said \"rank\"", rows[0]["pos"]);
        Assert.Equal(["Cats purr.", "a, b"], Assert.IsAssignableFrom<IReadOnlyList<object?>>(rows[0]["neg"]));
        Assert.Equal("1", rows[0]["label"]); // numbers stay text until a mapping asks for one
        Assert.Equal("two\nlines", rows[1]["query"]);
        Assert.Equal("[1] Introduction", rows[1]["pos"]); // starts with '[' but is not a JSON list
        Assert.Empty(Assert.IsAssignableFrom<IReadOnlyList<object?>>(rows[1]["neg"]));
        Assert.Equal("ünïcode ✓", rows[2]["query"]);
        Assert.Null(rows[2]["neg"]);
        Assert.Equal([2, 3, 5], rows.Select(r => r.Number)); // the line each record starts on
    }

    [Fact]
    public void Tsv_uses_tabs_and_keeps_commas_in_cells()
    {
        string path = _directory.File("rows.tsv");
        File.WriteAllText(path, "query\tpassage\tlabel\na, b\t\"tab\there\"\t1\n");
        var row = Assert.Single(RowSources.Open(path).ReadRows());
        Assert.Equal("a, b", row["query"]);
        Assert.Equal("tab\there", row["passage"]);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void A_row_with_the_wrong_number_of_cells_names_file_and_line_or_is_skipped_and_reported()
    {
        string path = _directory.File("rows.csv");
        File.WriteAllText(path, "query,pos\na,b\nc,d,e\nf,g\n");
        var error = Assert.Throws<DataFormatException>(() => RowSources.Open(path).ReadRows().ToList());
        Assert.StartsWith($"{path}:3:", error.Message);
        Assert.Contains("3 cells", error.Message);

        var skipped = new List<DataFormatException>();
        var rows = RowSources.Open(path, skipped.Add).ReadRows().ToList();
        Assert.Equal(["a", "f"], rows.Select(r => (string)r["query"]!));
        Assert.Equal(3, Assert.Single(skipped).Line);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void A_list_cell_that_does_not_parse_is_an_error()
    {
        string path = _directory.File("rows.csv");
        File.WriteAllText(path, "query,neg\na,\"[\"\"x\"\", ]\"\n");
        var error = Assert.Throws<DataFormatException>(() => RowSources.Open(path).ReadRows().ToList());
        Assert.StartsWith($"{path}:2:", error.Message);
        Assert.Contains("'neg'", error.Message);
    }
}
