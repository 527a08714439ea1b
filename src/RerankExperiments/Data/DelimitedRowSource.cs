using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;

namespace RerankExperiments.Data;

/// <summary>
/// CSV or TSV with a header row (RFC 4180 quoting for both: pandas' <c>to_csv(sep="\t")</c> quotes the same way).
/// Cells are strings, an empty cell is null (pandas writes NaN so), and a cell holding a JSON array — the only way a
/// list column such as <c>neg</c> survives a flat file — is parsed into a list. Numbers stay strings here; the column
/// mapping parses the ones it needs, so a query that happens to be "42" is still text.
/// </summary>
public sealed class DelimitedRowSource(string path, char delimiter, Action<DataFormatException>? onBadRow = null) : IRowSource
{
    public string Path { get; } = path;

    /// <summary>Comma or tab, chosen by extension.</summary>
    public char Delimiter { get; } = delimiter;

    public IEnumerable<DataRow> ReadRows()
    {
        if (!File.Exists(Path)) throw new DataFormatException(Path, null, "does not exist.");
        var options = new CsvReaderOptions
        {
            Separator = Delimiter,
            HasHeader = true,
            TrackLineNumbers = true,
            // The cell count is checked below so the error names file:line like every other reader.
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            // A stray quote cannot be repaired by guessing; skipped (and reported) only when the caller asked.
            MalformedData = onBadRow is null ? CsvMalformedDataHandling.Throw : CsvMalformedDataHandling.Skip,
            OnMalformedRecord = record => onBadRow?.Invoke(new DataFormatException(Path, (int)record.LineNumber, $"malformed {Describe(record.Reason)}.")),
        };
        // Invalid UTF-8 must stop the read rather than become U+FFFD in the training text.
        using var text = new StreamReader(Path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        using var csv = CsvReader.Create(text, options, false);
        while (true)
        {
            bool more;
            try
            {
                more = csv.Read();
            }
            catch (CsvFormatException error)
            {
                throw new DataFormatException(Path, (int)error.LineNumber, error.Message, error);
            }
            catch (DecoderFallbackException error)
            {
                throw new DataFormatException(Path, null, "is not valid UTF-8.", error);
            }
            if (!more) yield break;
            var header = csv.Headers;
            int line = (int)csv.LineNumber;
            DataRow? row = null;
            try
            {
                if (csv.FieldCount != header.Count) throw new FormatException($"has {csv.FieldCount} cells but the header has {header.Count} columns.");
                var values = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (int i = 0; i < header.Count; i++)
                    if (!values.TryAdd(header[i], Cell(header[i], csv.GetString(i))))
                        throw new DataFormatException(Path, 1, $"the header names column '{header[i]}' twice.");
                row = new DataRow(Path, line, values);
            }
            catch (FormatException error)
            {
                var problem = new DataFormatException(Path, line, error.Message, error);
                if (onBadRow is null) throw problem;
                onBadRow(problem);
            }
            if (row is not null) yield return row;
        }
    }

    static string Describe(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.StrayQuote => "quoting (a quote inside an unquoted cell; quote the whole cell and double inner quotes)",
        CsvMalformedReason.UnterminatedQuote => "quoting (a quoted cell is never closed)",
        CsvMalformedReason.TextAfterClosingQuote => "quoting (text after a closing quote)",
        _ => $"record ({reason})",
    };

    static object? Cell(string column, string text)
    {
        if (text.Length == 0) return null;
        if (text[0] != '[') return text;
        try
        {
            using var document = JsonDocument.Parse(text);
            return JsonValues.Value(document.RootElement);
        }
        catch (JsonException error)
        {
            // A passage may well start with '[' ("[1] Introduction"); only cells that look like a whole JSON array
            // are lists, so anything else is kept as text rather than rejected.
            if (text[^1] == ']' && text.Contains('"')) throw new FormatException($"column '{column}' looks like a JSON list but does not parse: {error.Message}");
            return text;
        }
    }

}
