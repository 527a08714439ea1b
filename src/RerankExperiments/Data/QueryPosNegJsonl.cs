using System.Text.Json;

namespace RerankExperiments.Data;

/// <summary>
/// Reads FlagEmbedding-style JSONL (also .jsonl.gz): one object per line with "query" (string), "pos" and "neg"
/// (string lists) and optional "pos_scores"/"neg_scores" (number lists aligned with them). Streamed line by line;
/// a malformed line is an error naming file:line, or — with <c>skipBadRows</c> — counted and skipped (the caller
/// reports the count; nothing is dropped silently).
/// </summary>
public static class QueryPosNegJsonl
{
    public static IEnumerable<QueryPosNegRecord> Read(string path, bool skipBadRows = false, Action<DataFormatException>? onSkipped = null)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, null, "does not exist.");
        foreach (var (line, number) in TextLines.Read(path))
        {
            if (line.Trim().Length == 0) continue;
            QueryPosNegRecord? record = null;
            try
            {
                record = Parse(line);
            }
            catch (Exception error) when (error is JsonException or FormatException)
            {
                var problem = new DataFormatException(path, number, error.Message, error);
                if (!skipBadRows) throw problem;
                onSkipped?.Invoke(problem);
            }
            if (record is not null) yield return record;
        }
    }

    static QueryPosNegRecord Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        var row = document.RootElement;
        if (row.ValueKind != JsonValueKind.Object) throw new FormatException("expected a JSON object.");
        string query = row.TryGetProperty("query", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : throw new FormatException("\"query\" must be a string.");
        var positives = Strings(row, "pos", required: true)!;
        var negatives = Strings(row, "neg", required: false) ?? [];
        if (positives.Count == 0) throw new FormatException("\"pos\" is empty: every query needs a positive.");
        var positiveScores = Numbers(row, "pos_scores", positives.Count);
        var negativeScores = Numbers(row, "neg_scores", negatives.Count);
        return new QueryPosNegRecord(query, positives, negatives, positiveScores, negativeScores);
    }

    static List<string>? Strings(JsonElement row, string name, bool required)
    {
        if (!row.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return required ? throw new FormatException($"\"{name}\" is missing.") : null;
        if (value.ValueKind != JsonValueKind.Array) throw new FormatException($"\"{name}\" must be a list of strings.");
        return value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new FormatException($"\"{name}\" must hold only strings.")).ToList();
    }

    static List<float>? Numbers(JsonElement row, string name, int expected)
    {
        if (!row.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Array) throw new FormatException($"\"{name}\" must be a list of numbers.");
        var numbers = value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetSingle() : throw new FormatException($"\"{name}\" must hold only numbers.")).ToList();
        if (numbers.Count != expected) throw new FormatException($"\"{name}\" has {numbers.Count} entries for {expected} passages.");
        return numbers;
    }

    /// <summary>Writes records back as JSONL (the format mining emits).</summary>
    public static void Write(string path, IEnumerable<QueryPosNegRecord> records)
    {
        string temporary = path + ".partial";
        using (var writer = new StreamWriter(temporary))
            foreach (var r in records)
            {
                var row = new Dictionary<string, object> { ["query"] = r.Query, ["pos"] = r.Positives, ["neg"] = r.Negatives };
                if (r.PositiveScores is not null) row["pos_scores"] = r.PositiveScores;
                if (r.NegativeScores is not null) row["neg_scores"] = r.NegativeScores;
                writer.WriteLine(JsonSerializer.Serialize(row));
            }
        File.Move(temporary, path, overwrite: true);
    }
}
