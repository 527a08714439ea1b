using System.Text.Json;

namespace RerankExperiments.Data;

/// <summary>
/// JSON Lines (also .jsonl.gz): one object per line; blank lines are allowed (editors leave one at the end). Lines are
/// read by <see cref="TextLines"/>: invalid UTF-8 and over-long lines are errors naming the line.
/// </summary>
public sealed class JsonlRowSource(string path, Action<DataFormatException>? onBadRow = null) : IRowSource
{
    public string Path { get; } = path;

    public IEnumerable<DataRow> ReadRows()
    {
        if (!File.Exists(Path)) throw new DataFormatException(Path, null, "does not exist.");
        foreach (var (line, number) in TextLines.Read(Path))
        {
            if (line.Trim().Length == 0) continue;
            DataRow? row = null;
            try
            {
                using var document = JsonDocument.Parse(line);
                row = new DataRow(Path, number, JsonValues.Object(document.RootElement));
            }
            catch (Exception error) when (error is JsonException or FormatException)
            {
                var problem = new DataFormatException(Path, number, error.Message, error);
                if (onBadRow is null) throw problem;
                onBadRow(problem);
            }
            if (row is not null) yield return row;
        }
    }
}
