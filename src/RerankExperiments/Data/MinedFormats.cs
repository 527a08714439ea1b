using System.Text.Json;

namespace RerankExperiments.Data;

/// <summary>One (query, passage, label) row: label 1 for a positive, 0 for a negative.</summary>
public sealed record LabeledPair(string Query, string Passage, float Label);

/// <summary>One (query, positive, negative) row.</summary>
public sealed record Triplet(string Query, string Positive, string Negative);

/// <summary>One (query, positive, negative_1 … negative_n) row.</summary>
public sealed record NTuple(string Query, string Positive, IReadOnlyList<string> Negatives);

/// <summary>The formats mined data can be written in (sentence-transformers' output_format names).</summary>
public enum MinedFormat
{
    /// <summary>FlagEmbedding's {"query","pos","neg"} (with pos_scores/neg_scores), one row per query.</summary>
    QueryPosNeg,

    /// <summary>{"query","passage","label"}: per query one row per positive (1) and one per negative (0).</summary>
    LabeledPair,

    /// <summary>{"query","positive","negative"}: one row per (query, positive, negative).</summary>
    Triplet,

    /// <summary>{"query","positive","negative_1",…}: one row per (query, positive); rows short of n negatives are dropped.</summary>
    NTuple,
}

/// <summary>
/// Conversions of mined query-pos-neg records into the flat formats, and their JSONL writers (atomic: a temporary
/// file renamed over the target) and readers (errors name file:line).
/// </summary>
public static class MinedJsonl
{
    public static MinedFormat ParseFormat(string name) => name switch
    {
        "query-pos-neg" => MinedFormat.QueryPosNeg,
        "labeled-pair" => MinedFormat.LabeledPair,
        "triplet" => MinedFormat.Triplet,
        "n-tuple" => MinedFormat.NTuple,
        _ => throw new ArgumentException($"Unknown output format '{name}': query-pos-neg, labeled-pair, triplet or n-tuple."),
    };

    public static IEnumerable<LabeledPair> ToLabeledPairs(IEnumerable<QueryPosNegRecord> records) =>
        records.SelectMany(r => r.Positives.Select(p => new LabeledPair(r.Query, p, 1f)).Concat(r.Negatives.Select(n => new LabeledPair(r.Query, n, 0f))));

    public static IEnumerable<Triplet> ToTriplets(IEnumerable<QueryPosNegRecord> records) =>
        records.SelectMany(r => r.Positives.SelectMany(p => r.Negatives.Select(n => new Triplet(r.Query, p, n))));

    /// <summary>One row per (query, positive) with exactly <paramref name="negatives"/> negatives; shorter records give no rows.</summary>
    public static IEnumerable<NTuple> ToNTuples(IEnumerable<QueryPosNegRecord> records, int negatives) =>
        records.Where(r => r.Negatives.Count >= negatives).SelectMany(r => r.Positives.Select(p => new NTuple(r.Query, p, [.. r.Negatives.Take(negatives)])));

    /// <summary>Writes <paramref name="records"/> to <paramref name="path"/> in <paramref name="format"/>; returns the rows written.</summary>
    public static int Write(string path, MinedFormat format, IReadOnlyList<QueryPosNegRecord> records, int numNegatives)
    {
        switch (format)
        {
            case MinedFormat.QueryPosNeg:
                QueryPosNegJsonl.Write(path, records);
                return records.Count;
            case MinedFormat.LabeledPair:
                return WriteRows(path, ToLabeledPairs(records), r => new Dictionary<string, object> { ["query"] = r.Query, ["passage"] = r.Passage, ["label"] = r.Label });
            case MinedFormat.Triplet:
                return WriteTriplets(path, ToTriplets(records));
            default:
                return WriteNTuples(path, ToNTuples(records, numNegatives));
        }
    }

    public static int WriteLabeledPairs(string path, IEnumerable<LabeledPair> rows) =>
        WriteRows(path, rows, r => new Dictionary<string, object> { ["query"] = r.Query, ["passage"] = r.Passage, ["label"] = r.Label });

    public static int WriteTriplets(string path, IEnumerable<Triplet> rows) =>
        WriteRows(path, rows, r => new Dictionary<string, object> { ["query"] = r.Query, ["positive"] = r.Positive, ["negative"] = r.Negative });

    public static int WriteNTuples(string path, IEnumerable<NTuple> rows) => WriteRows(path, rows, r =>
    {
        var row = new Dictionary<string, object> { ["query"] = r.Query, ["positive"] = r.Positive };
        for (int i = 0; i < r.Negatives.Count; i++) row[$"negative_{i + 1}"] = r.Negatives[i];
        return row;
    });

    public static IEnumerable<LabeledPair> ReadLabeledPairs(string path) =>
        ReadRows(path, row => new LabeledPair(String(row, "query"), String(row, "passage"),
            row.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetSingle() : throw new FormatException("\"label\" must be a number.")));

    public static IEnumerable<Triplet> ReadTriplets(string path) =>
        ReadRows(path, row => new Triplet(String(row, "query"), String(row, "positive"), String(row, "negative")));

    /// <summary>Reads n-tuples: negative_1, negative_2, … in order until the first missing one.</summary>
    public static IEnumerable<NTuple> ReadNTuples(string path) => ReadRows(path, row =>
    {
        var negatives = new List<string>();
        for (int i = 1; row.TryGetProperty($"negative_{i}", out _); i++) negatives.Add(String(row, $"negative_{i}"));
        return new NTuple(String(row, "query"), String(row, "positive"), negatives);
    });

    static int WriteRows<T>(string path, IEnumerable<T> rows, Func<T, Dictionary<string, object>> toRow)
    {
        string temporary = path + ".partial";
        int count = 0;
        using (var writer = new StreamWriter(temporary))
            foreach (var row in rows)
            {
                writer.WriteLine(JsonSerializer.Serialize(toRow(row)));
                count++;
            }
        File.Move(temporary, path, overwrite: true);
        return count;
    }

    static IEnumerable<T> ReadRows<T>(string path, Func<JsonElement, T> parse)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, null, "does not exist.");
        foreach (var (line, number) in TextLines.Read(path))
        {
            if (line.Trim().Length == 0) continue;
            T value;
            try
            {
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException("expected a JSON object.");
                value = parse(document.RootElement);
            }
            catch (Exception error) when (error is JsonException or FormatException)
            {
                throw new DataFormatException(path, number, error.Message, error);
            }
            yield return value;
        }
    }

    static string String(JsonElement row, string name) =>
        row.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"\"{name}\" must be a string.");
}
