using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace RerankExperiments.Data;

/// <summary>JSON Lines (also .jsonl.gz): one object per line; blank lines are allowed (editors leave one at the end).</summary>
public sealed class JsonlRowSource(string path, Action<DataFormatException>? onBadRow = null) : IRowSource
{
    public string Path { get; } = path;

    public IEnumerable<DataRow> ReadRows()
    {
        if (!File.Exists(Path)) throw new DataFormatException(Path, null, "does not exist.");
        using var stream = File.OpenRead(Path);
        using var decompressed = Path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionMode.Decompress) : (Stream)stream;
        // Invalid UTF-8 must stop the read: replacing it with U+FFFD would train on corrupted text unnoticed.
        using var reader = new StreamReader(decompressed, new UTF8Encoding(false, throwOnInvalidBytes: true));
        int number = 0;
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (DecoderFallbackException error)
            {
                throw new DataFormatException(Path, number + 1, "is not valid UTF-8.", error);
            }
            if (line is null) yield break;
            number++;
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
