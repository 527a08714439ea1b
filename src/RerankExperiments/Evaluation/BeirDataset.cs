using System.Text.Json;
using RerankExperiments.Data;

namespace RerankExperiments.Evaluation;

/// <summary>
/// A BEIR dataset folder: <c>corpus.jsonl</c> (one JSON object a line: <c>_id</c>, <c>text</c>, optional
/// <c>title</c>), <c>queries.jsonl</c> (<c>_id</c>, <c>text</c>) and <c>qrels/{split}.tsv</c> (tab-separated
/// <c>query-id corpus-id score</c>, after an optional header line). Blank lines are skipped; ids may be JSON strings
/// or numbers. Malformed lines, duplicate ids and qrels naming unknown queries or documents throw
/// <see cref="BeirFormatException"/> naming file and line. <see cref="Create"/> builds one from parts read elsewhere
/// (a Hub dataset, see <see cref="HubBeirDatasets"/>), optionally with a precomputed first-stage ranking per query.
/// </summary>
public sealed class BeirDataset
{
    BeirDataset(IReadOnlyList<BeirDocument> corpus, IReadOnlyList<(string Id, string Text)> queries, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> qrels,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? rankings = null)
    {
        Corpus = corpus;
        Queries = queries;
        Qrels = qrels;
        Rankings = rankings;
    }

    /// <summary>Documents in file order.</summary>
    public IReadOnlyList<BeirDocument> Corpus { get; }

    /// <summary>Queries in file order.</summary>
    public IReadOnlyList<(string Id, string Text)> Queries { get; }

    /// <summary>Judgements by query id, then corpus id (a later line for the same pair wins, as in BEIR's loader).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Qrels { get; }

    /// <summary>
    /// A precomputed first-stage ranking per query id (corpus ids, best first), as the NanoBEIR BM25 datasets ship
    /// them; null when the dataset has none (a BEIR folder), and then <see cref="BeirEvaluator"/> runs BM25 itself.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Rankings { get; }

    /// <summary>
    /// A dataset from parts read elsewhere. Ids must be unique, and every judgement and ranking must name known
    /// queries and documents; <paramref name="source"/> names the data in the <see cref="ArgumentException"/> otherwise.
    /// </summary>
    public static BeirDataset Create(IReadOnlyList<BeirDocument> corpus, IReadOnlyList<(string Id, string Text)> queries,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> qrels, IReadOnlyDictionary<string, IReadOnlyList<string>>? rankings = null,
        string source = "the BEIR dataset")
    {
        var corpusIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var document in corpus)
            if (!corpusIds.Add(document.Id)) throw new ArgumentException($"{source}: document id '{document.Id}' occurs twice.", nameof(corpus));
        var queryIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, _) in queries)
            if (!queryIds.Add(id)) throw new ArgumentException($"{source}: query id '{id}' occurs twice.", nameof(queries));
        void Check(string what, string queryId, IEnumerable<string> documentIds, string parameter)
        {
            if (!queryIds.Contains(queryId)) throw new ArgumentException($"{source}: {what} name query id '{queryId}', which is not among the queries.", parameter);
            foreach (var id in documentIds)
                if (!corpusIds.Contains(id)) throw new ArgumentException($"{source}: {what} of query '{queryId}' name document id '{id}', which is not in the corpus.", parameter);
        }
        foreach (var (queryId, judged) in qrels) Check("judgements", queryId, judged.Keys, nameof(qrels));
        foreach (var (queryId, ranked) in rankings ?? new Dictionary<string, IReadOnlyList<string>>()) Check("rankings", queryId, ranked, nameof(rankings));
        return new BeirDataset(corpus, queries, qrels, rankings);
    }

    public static BeirDataset Load(string folder, string split = "test")
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"BEIR dataset folder not found: {folder}");
        string corpusPath = Path.Combine(folder, "corpus.jsonl");
        string queriesPath = Path.Combine(folder, "queries.jsonl");
        string qrelsPath = Path.Combine(folder, "qrels", split + ".tsv");
        foreach (var path in new[] { corpusPath, queriesPath, qrelsPath })
            if (!File.Exists(path)) throw new FileNotFoundException($"BEIR dataset file not found: {path}", path);

        var corpus = new List<BeirDocument>();
        var corpusIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, number) in NonBlankLines(corpusPath))
        {
            using var json = ParseObject(corpusPath, number, line);
            string id = ReadId(corpusPath, number, json.RootElement);
            if (!corpusIds.Add(id)) throw new BeirFormatException(corpusPath, number, $"document id '{id}' occurs twice");
            string text = ReadString(corpusPath, number, json.RootElement, "text", required: true)!;
            string title = ReadString(corpusPath, number, json.RootElement, "title", required: false) ?? "";
            corpus.Add(new BeirDocument(id, title, text));
        }

        var queries = new List<(string Id, string Text)>();
        var queryIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, number) in NonBlankLines(queriesPath))
        {
            using var json = ParseObject(queriesPath, number, line);
            string id = ReadId(queriesPath, number, json.RootElement);
            if (!queryIds.Add(id)) throw new BeirFormatException(queriesPath, number, $"query id '{id}' occurs twice");
            queries.Add((id, ReadString(queriesPath, number, json.RootElement, "text", required: true)!));
        }

        var qrels = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        bool first = true;
        foreach (var (line, number) in NonBlankLines(qrelsPath))
        {
            var fields = line.Split('\t');
            if (fields.Length != 3)
                throw new BeirFormatException(qrelsPath, number, $"expected 3 tab-separated fields (query-id, corpus-id, score), found {fields.Length}");
            bool isScore = int.TryParse(fields[2].Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int score);
            if (first && !isScore)
            {
                first = false;
                continue; // header
            }
            first = false;
            if (!isScore) throw new BeirFormatException(qrelsPath, number, $"score '{fields[2]}' is not an integer");
            string queryId = fields[0].Trim(), corpusId = fields[1].Trim();
            if (!queryIds.Contains(queryId)) throw new BeirFormatException(qrelsPath, number, $"query id '{queryId}' is not in {queriesPath}");
            if (!corpusIds.Contains(corpusId)) throw new BeirFormatException(qrelsPath, number, $"corpus id '{corpusId}' is not in {corpusPath}");
            if (!qrels.TryGetValue(queryId, out var judged)) qrels[queryId] = judged = new Dictionary<string, int>(StringComparer.Ordinal);
            judged[corpusId] = score;
        }
        if (qrels.Count == 0) throw new BeirFormatException(qrelsPath, 1, "holds no judgements (query-id, corpus-id, score lines); there is nothing to evaluate.");
        return new BeirDataset(corpus, queries, qrels.ToDictionary(q => q.Key, q => (IReadOnlyDictionary<string, int>)q.Value, StringComparer.Ordinal));
    }

    static IEnumerable<(string Line, int Number)> NonBlankLines(string path)
    {
        foreach (var (line, number) in TextLines.Read(path, (line, problem) => new BeirFormatException(path, line, problem)))
            if (!string.IsNullOrWhiteSpace(line)) yield return (line, number);
    }

    static JsonDocument ParseObject(string path, int number, string line)
    {
        JsonDocument json;
        try { json = JsonDocument.Parse(line); }
        catch (JsonException e) { throw new BeirFormatException(path, number, $"not valid JSON: {e.Message}", e); }
        if (json.RootElement.ValueKind != JsonValueKind.Object)
        {
            json.Dispose();
            throw new BeirFormatException(path, number, "expected a JSON object");
        }
        return json;
    }

    static string ReadId(string path, int number, JsonElement row)
    {
        if (!row.TryGetProperty("_id", out var id)) throw new BeirFormatException(path, number, "missing \"_id\"");
        return id.ValueKind switch
        {
            JsonValueKind.String => id.GetString()!,
            JsonValueKind.Number => id.GetRawText(),
            _ => throw new BeirFormatException(path, number, $"\"_id\" must be a string or number, not {id.ValueKind}"),
        };
    }

    static string? ReadString(string path, int number, JsonElement row, string field, bool required)
    {
        if (!row.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return required ? throw new BeirFormatException(path, number, $"missing \"{field}\"") : null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new BeirFormatException(path, number, $"\"{field}\" must be a string, not {value.ValueKind}");
    }
}
