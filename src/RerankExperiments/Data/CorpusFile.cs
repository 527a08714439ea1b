using System.Text.Json;

namespace RerankExperiments.Data;

/// <summary>A corpus of passages for mining: JSONL of {"text": …} (a file ending .jsonl), else plain text, one passage per line; blank lines skipped.</summary>
public static class CorpusFile
{
    public static List<string> Read(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, null, "does not exist.");
        bool jsonl = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
        var passages = new List<string>();
        foreach (var (line, number) in TextLines.Read(path))
        {
            if (line.Trim().Length == 0) continue;
            if (!jsonl)
            {
                passages.Add(line);
                continue;
            }
            try
            {
                using var row = JsonDocument.Parse(line);
                passages.Add(row.RootElement.ValueKind == JsonValueKind.Object && row.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
                    ? text.GetString()! : throw new FormatException("expected {\"text\": string}."));
            }
            catch (Exception error) when (error is JsonException or FormatException)
            {
                throw new DataFormatException(path, number, error.Message, error);
            }
        }
        return passages;
    }
}
