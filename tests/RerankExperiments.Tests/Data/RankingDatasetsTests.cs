using System.IO.Compression;
using RerankExperiments.Data;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Data;

public sealed class RankingDatasetsTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    string Write(string name, string text)
    {
        string path = _directory.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Query_pos_neg_rows_become_one_example_each_with_teacher_scores()
    {
        string path = Write("train.jsonl",
            "{\"query\": \"q1\", \"pos\": [\"p\"], \"neg\": [\"n1\", \"n2\"], \"pos_scores\": [3], \"neg_scores\": [1, -2]}\n" +
            "{\"query\": \"q2\", \"pos\": \"single\", \"neg\": null}\n");
        var examples = RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.QueryPosNeg)).Examples;
        Assert.Equal(["p", "n1", "n2"], examples[0].Passages);
        Assert.Equal([1f, 0f, 0f], examples[0].Labels);
        Assert.Equal([3f, 1f, -2f], examples[0].TeacherScores!);
        Assert.Equal(["single"], examples[1].Passages);
        Assert.Equal([1f], examples[1].Labels);
    }

    [Fact]
    public void A_first_row_without_the_optional_columns_does_not_switch_them_off()
    {
        string path = Write("train.jsonl",
            "{\"query\": \"q1\", \"pos\": [\"p\"]}\n" +
            "{\"query\": \"q2\", \"pos\": [\"p\"], \"neg\": [\"n\"], \"pos_scores\": [2], \"neg_scores\": [1]}\n");
        var examples = RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.QueryPosNeg)).Examples;
        Assert.Equal(["p"], examples[0].Passages);
        Assert.Equal(["p", "n"], examples[1].Passages);
        Assert.Equal([2f, 1f], examples[1].TeacherScores!);
    }

    [Fact]
    public void Gzipped_json_lines_are_read_through_the_extension()
    {
        string path = _directory.File("train.jsonl.gz");
        using (var output = new StreamWriter(new GZipStream(File.Create(path), CompressionLevel.Fastest)))
            output.Write("{\"query\": \"q\", \"pos\": [\"p\"], \"neg\": [\"n\"]}\n\n");
        var example = Assert.Single(RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.QueryPosNeg)).Examples);
        Assert.Equal(["p", "n"], example.Passages);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void A_line_that_is_not_json_is_skipped_and_reported_when_asked()
    {
        string path = Write("train.jsonl", "{\"query\": \"q\", \"pos\": [\"p\"]}\n{not json\n");
        Assert.StartsWith($"{path}:2:", Assert.Throws<DataFormatException>(() => RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.QueryPosNeg))).Message);
        var result = RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.QueryPosNeg, SkipBadRows: true));
        Assert.Single(result.Examples);
        Assert.Equal(2, Assert.Single(result.Skipped).Line);
    }

    [Fact]
    public void Pairs_are_grouped_by_query_in_first_seen_order_from_anchor_positive_columns()
    {
        string path = Write("pairs.csv", "anchor,positive\nq1,a\nq2,b\nq1,c\n");
        var examples = RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.Pairs)).Examples;
        Assert.Equal(["q1", "q2"], examples.Select(e => e.Query));
        Assert.Equal(["a", "c"], examples[0].Passages);
        Assert.Equal([1f, 1f], examples[0].Labels);
        Assert.Equal(["b"], examples[1].Passages);
    }

    [Fact]
    public void Query_answer_pairs_are_read_too()
    {
        string path = Write("pairs.jsonl", "{\"query\": \"q\", \"answer\": \"a\"}\n");
        var example = Assert.Single(RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.Pairs)).Examples);
        Assert.Equal(["a"], example.Passages);
    }

    [Fact]
    public void Labeled_pairs_parse_text_numbers_and_booleans_and_group_by_query()
    {
        string path = Write("labeled.tsv", "query\tpassage\tlabel\nq1\tp1\t1\nq1\tp2\t0.25\nq2\tp3\tfalse\n");
        var examples = RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.LabeledPairs)).Examples;
        Assert.Equal(["p1", "p2"], examples[0].Passages);
        Assert.Equal([1f, 0.25f], examples[0].Labels);
        Assert.Equal([0f], examples[1].Labels);
    }

    [Fact]
    public void Triplets_keep_each_negative_with_its_positive()
    {
        string path = Write("triplets.json", "[{\"anchor\": \"q\", \"positive\": \"p1\", \"negative\": \"n1\"}, {\"anchor\": \"q\", \"positive\": \"p2\", \"negative\": \"n2\"}]");
        var examples = RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.Triplets)).Examples;
        Assert.Equal(2, examples.Count);
        Assert.Equal(["p1", "n1"], examples[0].Passages);
        Assert.Equal([1f, 0f], examples[0].Labels);
        Assert.Equal(["p2", "n2"], examples[1].Passages);
    }

    [Fact]
    public void N_tuples_take_negative_columns_in_number_order_and_skip_rows_missing_one()
    {
        string path = Write("ntuple.jsonl",
            "{\"anchor\": \"q\", \"positive\": \"p\", \"negative_2\": \"n2\", \"negative_10\": \"n10\", \"negative_1\": \"n1\"}\n" +
            "{\"anchor\": \"q2\", \"positive\": \"p\", \"negative_1\": \"n1\", \"negative_2\": null, \"negative_10\": \"n10\"}\n");
        var result = RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.Triplets, SkipBadRows: true));
        var example = Assert.Single(result.Examples);
        Assert.Equal(["p", "n1", "n2", "n10"], example.Passages);
        Assert.Equal([1f, 0f, 0f, 0f], example.Labels);
        Assert.Contains("'negative_2' is missing", Assert.Single(result.Skipped).Message);
    }

    [Fact]
    public void Labeled_lists_take_passages_and_labels_as_aligned_lists()
    {
        string path = Write("labeled-list.jsonl",
            "{\"query\": \"q\", \"passage\": [\"a\", \"b\"], \"labels\": [1, 0]}\n" +
            "{\"query\": \"q\", \"passage\": [\"c\"], \"labels\": [1, 0]}\n");
        var result = RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.LabeledPairs, SkipBadRows: true));
        var example = Assert.Single(result.Examples);
        Assert.Equal(["a", "b"], example.Passages);
        Assert.Equal([1f, 0f], example.Labels);
        Assert.Contains("2 entries for 1", Assert.Single(result.Skipped).Message);
    }

    [Fact]
    public void An_explicit_column_mapping_is_used_as_given()
    {
        string path = Write("custom.jsonl", "{\"question\": \"ignored\", \"q\": \"real\", \"doc\": \"d\", \"rel\": 2}\n");
        var options = new DatasetReadOptions(DatasetFormat.LabeledPairs, new ColumnMapping("q", Passage: "doc", Label: "rel"));
        var example = Assert.Single(RankingDatasets.Load(path, options).Examples);
        Assert.Equal("real", example.Query);
        Assert.Equal([2f], example.Labels);
        Assert.Throws<ArgumentException>(() => RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.LabeledPairs, new ColumnMapping("q"))));
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void A_file_without_the_needed_columns_says_which_it_has()
    {
        string path = Write("odd.jsonl", "{\"foo\": \"q\", \"bar\": \"p\"}\n");
        var error = Assert.Throws<DataFormatException>(() => RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.Pairs)));
        Assert.StartsWith($"{path}:1:", error.Message);
        Assert.Contains("foo, bar", error.Message);
    }

    [Trait("Category", "Faults")]
    [Theory]
    [InlineData("{\"query\": 1, \"pos\": [\"a\"]}", "'query' must be text")]
    [InlineData("{\"query\": \"q\", \"pos\": null}", "'pos' is missing")]
    [InlineData("{\"query\": \"q\", \"pos\": []}", "'pos' is empty")]
    [InlineData("{\"query\": \"\", \"pos\": [\"a\"]}", "'query' is empty")]
    [InlineData("{\"query\": \"q\", \"pos\": [\"a\"], \"neg\": [3]}", "only texts")]
    [InlineData("{\"query\": \"q\", \"pos\": [\"a\"], \"neg\": [\"b\"], \"neg_scores\": [1, 2]}", "2 entries for 1")]
    public void Malformed_rows_name_file_and_row(string line, string expected)
    {
        string path = Write("bad.jsonl", "{\"query\": \"fine\", \"pos\": [\"a\"], \"neg\": [], \"neg_scores\": []}\n" + line + "\n");
        var error = Assert.Throws<DataFormatException>(() => RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.QueryPosNeg)));
        Assert.StartsWith($"{path}:2:", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void Skipped_rows_are_counted_with_their_reasons_never_dropped_silently()
    {
        string path = Write("mixed.csv", "query,passage,label\nq1,p1,1\nq2,p2,not-a-number\nq3,p3\nq4,p4,0\n");
        var result = RankingDatasets.Load(path, new DatasetReadOptions(DatasetFormat.LabeledPairs, SkipBadRows: true));
        Assert.Equal(["q1", "q4"], result.Examples.Select(e => e.Query));
        Assert.Equal([3, 4], result.Skipped.Select(s => s.Line));
        Assert.Contains("'label' must be a number", result.Skipped[0].Message);
        Assert.Contains("2 cells", result.Skipped[1].Message);
    }
}
