namespace RerankExperiments.Data;

/// <summary>Opens a dataset file as rows, choosing the reader by extension.</summary>
public static class RowSources
{
    public const string SupportedExtensions = ".jsonl, .jsonl.gz, .json, .csv, .tsv, .parquet, .arrow";

    /// <param name="path">The dataset file; its extension picks the reader.</param>
    /// <param name="onBadRow">
    /// For the text formats: receives each row that does not parse and the row is skipped; null makes it an error.
    /// Parquet and Arrow are typed by their schema, so there are no malformed rows to skip — a damaged file fails whole.
    /// </param>
    public static IRowSource Open(string path, Action<DataFormatException>? onBadRow = null)
    {
        string name = System.IO.Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".jsonl") || name.EndsWith(".jsonl.gz")) return new JsonlRowSource(path, onBadRow);
        if (name.EndsWith(".json"))
            // The Hub's json loader accepts JSON Lines saved as .json, and many datasets ship that way.
            return StartsWithObject(path) ? new JsonlRowSource(path, onBadRow) : new JsonArrayRowSource(path, onBadRow);
        if (name.EndsWith(".csv")) return new DelimitedRowSource(path, ',', onBadRow);
        if (name.EndsWith(".tsv")) return new DelimitedRowSource(path, '\t', onBadRow);
        if (name.EndsWith(".parquet")) return new ParquetRowSource(path);
        if (name.EndsWith(".arrow")) return new ArrowRowSource(path);
        throw new DataFormatException(path, null, $"has an extension no reader knows (supported: {SupportedExtensions}).");
    }

    static bool StartsWithObject(string path)
    {
        if (!File.Exists(path)) return false;
        using var reader = new StreamReader(path);
        int c;
        while ((c = reader.Read()) >= 0)
            if (!char.IsWhiteSpace(c == 0xFEFF ? ' ' : (char)c)) return c == '{';
        return false;
    }
}
