using System.Text.Json;
using RerankExperiments.Cli.Commands;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Cli;

public sealed class RankCommandTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Rankings_equal_sorting_the_scores_of_the_same_pairs_for_lists_of_1_2_and_100_with_duplicates_and_empty_strings()
    {
        var pairs = FixtureModels.Pairs();
        var lists = new List<(string Query, List<string> Documents)>
        {
            (pairs[0].Query, [pairs[0].Passage]),
            (pairs[1].Query, [pairs[2].Passage, ""]),
            (pairs[3].Query, Enumerable.Range(0, 100).Select(i => i % 10 == 0 ? "" : pairs[i % 37].Passage).ToList()),
        };
        string input = _directory.File("lists.jsonl"), output = _directory.File("ranked.jsonl");
        File.WriteAllLines(input, lists.Select(l => JsonSerializer.Serialize(new Dictionary<string, object> { ["query"] = l.Query, ["kowndges"] = l.Documents })));
        var errors = new StringWriter();
        Assert.True(RankCommand.Run(FixtureModels.Directory("bert-tiny"), input, "kowndges", null, output, 16, 64, null, errors) == 0, errors.ToString());

        using var encoder = CrossEncoder.Load(FixtureModels.Directory("bert-tiny"));
        var reranker = new Reranker(encoder, new RerankerOptions(16, 64));
        var lines = File.ReadAllLines(output);
        Assert.Equal(3, lines.Length);
        for (int l = 0; l < lists.Count; l++)
        {
            // Scored alone, the same pairs land in other batches, which moves scores by float noise only.
            var scores = reranker.Score(lists[l].Documents.Select(d => (lists[l].Query, d)).ToList());
            using var row = JsonDocument.Parse(lines[l]);
            Assert.Equal(lists[l].Query, row.RootElement.GetProperty("query").GetString());
            var ranking = row.RootElement.GetProperty("ranking").EnumerateArray()
                .Select(r => (Index: r.GetProperty("index").GetInt32(), Score: r.GetProperty("score").GetSingle(), Document: r.GetProperty("document").GetString())).ToList();
            Assert.Equal(lists[l].Documents.Count, ranking.Count);
            Assert.Equal(Enumerable.Range(0, scores.Length), ranking.Select(r => r.Index).Order());
            for (int i = 0; i < ranking.Count; i++)
            {
                Assert.Equal(lists[l].Documents[ranking[i].Index], ranking[i].Document);
                Assert.True(Math.Abs(scores[ranking[i].Index] - ranking[i].Score) < 1e-5, $"list {l} document {ranking[i].Index}");
                if (i == 0) continue;
                // Best first by the reported scores, ties in input order; and every pair the separate scoring
                // orders clearly (beyond noise) is ordered the same way.
                Assert.True(ranking[i - 1].Score > ranking[i].Score || (ranking[i - 1].Score == ranking[i].Score && ranking[i - 1].Index < ranking[i].Index));
                Assert.True(scores[ranking[i - 1].Index] >= scores[ranking[i].Index] - 1e-5);
            }
        }
        // Duplicates (the empty strings) are scored once, so they tie exactly and keep input order.
        using var last = JsonDocument.Parse(lines[2]);
        var order = last.RootElement.GetProperty("ranking").EnumerateArray().Select(r => r.GetProperty("index").GetInt32()).ToList();
        var emptyPositions = order.Where(i => i % 10 == 0).ToList();
        Assert.Equal(emptyPositions.Order(), emptyPositions);
    }

    [Fact]
    public void Top_k_and_bad_input()
    {
        string input = _directory.File("one.jsonl"), output = _directory.File("top.jsonl");
        File.WriteAllLines(input, ["{\"query\": \"q\", \"documents\": [\"a\", \"b\", \"c\"]}"]);
        Assert.Equal(0, RankCommand.Run(FixtureModels.Directory("bert-tiny"), input, "documents", 2, output, 8, null, "none", new StringWriter()));
        using (var row = JsonDocument.Parse(File.ReadAllText(output)))
            Assert.Equal(2, row.RootElement.GetProperty("ranking").GetArrayLength());
        File.WriteAllLines(input, ["{\"query\": \"q\", \"docs\": [\"a\"]}"]);
        var errors = new StringWriter();
        Assert.Equal(2, RankCommand.Run(FixtureModels.Directory("bert-tiny"), input, "documents", null, null, 8, null, null, errors));
        Assert.Contains($"{input}:1", errors.ToString());
        Assert.Equal(2, RankCommand.Run(FixtureModels.Directory("bert-tiny"), input, "docs", 0, null, 8, null, null, new StringWriter()));
    }
}
