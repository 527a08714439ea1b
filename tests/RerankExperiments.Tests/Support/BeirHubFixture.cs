using System.Text.Json.Serialization;
using Parquet.Serialization;
using RerankExperiments.Tests.Hub;

namespace RerankExperiments.Tests.Support;

/// <summary>
/// Tiny NanoBEIR-shaped datasets as Parquet files, in the three layouts the Hub has (see HubBeirDatasets): zeta-alpha-ai's
/// corpus/queries/qrels, sentence-transformers' -bm25 repos with relevance (positives + bm25-ranked-ids), and
/// NanoBEIR-en's one split per dataset with a bm25 config. Four documents, three queries; q3 is judged but has no
/// ranking row. The "BM25" rankings are deliberately not what BM25 would give (d4 first), so a test can tell them apart.
/// </summary>
internal static class BeirHubFixture
{
    public sealed record Document([property: JsonPropertyName("_id")] string Id, [property: JsonPropertyName("text")] string Text);

    public sealed record Query([property: JsonPropertyName("_id")] string Id, [property: JsonPropertyName("text")] string Text);

    public sealed record Qrel([property: JsonPropertyName("query-id")] string QueryId, [property: JsonPropertyName("corpus-id")] string CorpusId);

    public sealed record Relevance(
        [property: JsonPropertyName("query-id")] string QueryId,
        [property: JsonPropertyName("positive-corpus-ids")] List<string> Positives,
        [property: JsonPropertyName("bm25-ranked-ids")] List<string> Ranked);

    public sealed record Ranking([property: JsonPropertyName("query-id")] string QueryId, [property: JsonPropertyName("corpus-ids")] List<string> CorpusIds);

    public static readonly Document[] Corpus =
    [
        new("d1", "cats purr and sleep"),
        new("d2", "dogs bark loudly"),
        new("d3", "cats and dogs play"),
        new("d4", "the stock market fell"),
    ];

    public static readonly Query[] Queries = [new("q1", "why do cats purr"), new("q2", "dogs bark"), new("q3", "stock market")];

    public static readonly Qrel[] Qrels = [new("q1", "d1"), new("q2", "d2"), new("q3", "d4")];

    /// <summary>Precomputed rankings for q1 and q2 only: d4 (irrelevant to both) ranked first.</summary>
    public static readonly Ranking[] Rankings = [new("q1", ["d4", "d3", "d1", "d2"]), new("q2", ["d4", "d2", "d3"])];

    public static byte[] Parquet<T>(IEnumerable<T> rows)
    {
        using var stream = new MemoryStream();
        ParquetSerializer.SerializeAsync(rows, stream).GetAwaiter().GetResult();
        return stream.ToArray();
    }

    static FakeFile File(string path, byte[] content) => new(path, content, Lfs: true);

    /// <summary>zeta-alpha-ai/Nano{X}: corpus, queries, qrels; split train; no ranking.</summary>
    public static string AddZeta(FakeHubServer server, string repo) => server.AddDataset(repo).Commit("main",
        File("corpus/train-00000-of-00001.parquet", Parquet(Corpus)),
        File("queries/train-00000-of-00001.parquet", Parquet(Queries)),
        File("qrels/train-00000-of-00001.parquet", Parquet(Qrels)),
        FakeFile.Text("README.md", "# tiny"));

    /// <summary>sentence-transformers/Nano{X}-bm25: corpus, queries, relevance (positives and the BM25 ranking); split train.</summary>
    public static string AddBm25(FakeHubServer server, string repo) => server.AddDataset(repo).Commit("main",
        File("corpus/train-00000-of-00001.parquet", Parquet(Corpus)),
        File("queries/train-00000-of-00001.parquet", Parquet(Queries)),
        File("relevance/train-00000-of-00001.parquet", Parquet(Rankings.Select(r =>
            new Relevance(r.QueryId, [.. Qrels.Where(q => q.QueryId == r.QueryId).Select(q => q.CorpusId)], r.CorpusIds)))));

    /// <summary>sentence-transformers/NanoBEIR-en: corpus, queries, qrels, bm25; one split per dataset (NanoTiny, NanoOther).</summary>
    public static string AddCollection(FakeHubServer server, string repo)
    {
        var files = new List<FakeFile>();
        foreach (var split in new[] { "NanoTiny", "NanoOther" })
        {
            files.Add(File($"corpus/{split}-00000-of-00001.parquet", Parquet(Corpus)));
            files.Add(File($"queries/{split}-00000-of-00001.parquet", Parquet(Queries)));
            files.Add(File($"qrels/{split}-00000-of-00001.parquet", Parquet(Qrels)));
            files.Add(File($"bm25/{split}-00000-of-00001.parquet", Parquet(Rankings)));
        }
        return server.AddDataset(repo).Commit("main", [.. files]);
    }
}
