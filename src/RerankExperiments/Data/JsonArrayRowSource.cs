using System.Text.Json;

namespace RerankExperiments.Data;

/// <summary>
/// A JSON file holding one array of row objects (what <c>json.dump(list_of_dicts)</c> and pandas' <c>orient="records"</c>
/// write). Streamed with <see cref="Utf8JsonReader"/> over a growing buffer: only the elements of the current chunk are
/// held, never the whole file, so a file larger than memory still reads.
/// </summary>
public sealed class JsonArrayRowSource(string path, Action<DataFormatException>? onBadRow = null) : IRowSource
{
    const int InitialBuffer = 64 * 1024;

    public string Path { get; } = path;

    public IEnumerable<DataRow> ReadRows()
    {
        if (!File.Exists(Path)) throw new DataFormatException(Path, null, "does not exist.");
        using var stream = File.OpenRead(Path);
        var buffer = new byte[InitialBuffer];
        int length = 0;
        bool final = false;
        var state = new JsonReaderState();
        var progress = new Progress();
        var pending = new List<DataRow>();
        bool bomChecked = false;
        while (true)
        {
            if (!final)
            {
                if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2); // one element larger than the buffer
                int read = stream.Read(buffer, length, buffer.Length - length);
                if (read == 0) final = true;
                length += read;
            }
            int start = 0;
            if (!bomChecked && (length >= 3 || final))
            {
                bomChecked = true;
                if (length >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF) start = 3;
            }
            else if (!bomChecked) continue;
            int consumed = start + ReadChunk(buffer.AsSpan(start, length - start), final, ref state, progress, pending);
            foreach (var row in pending) yield return row;
            pending.Clear();
            if (progress.Done)
            {
                CheckTrailing(buffer.AsSpan(consumed, length - consumed));
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0) CheckTrailing(buffer.AsSpan(0, read));
                yield break;
            }
            if (final) throw new DataFormatException(Path, progress.Row + 1, "the file ends inside the JSON array (truncated?).");
            Buffer.BlockCopy(buffer, consumed, buffer, 0, length - consumed);
            length -= consumed;
        }
    }

    /// <summary>Where the reader is across chunks: Utf8JsonReader's own state covers the tokens, this the rows.</summary>
    sealed class Progress
    {
        public bool InArray;
        public bool Done;
        public int Row;
    }

    /// <summary>
    /// Reads every complete element in <paramref name="data"/> into <paramref name="rows"/>; returns how many bytes
    /// were used. An element cut off by the chunk's end is left for the next call (its bytes are not consumed).
    /// Separate from the iterator because <see cref="Utf8JsonReader"/> is a ref struct and cannot live across a yield.
    /// </summary>
    int ReadChunk(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, Progress progress, List<DataRow> rows)
    {
        var reader = new Utf8JsonReader(data, final, state);
        int consumed = 0;
        try
        {
            while (true)
            {
                if (!reader.Read()) break;
                if (!progress.InArray)
                {
                    if (reader.TokenType != JsonTokenType.StartArray)
                        throw new DataFormatException(Path, null, $"expected a JSON array of rows, found {reader.TokenType} (JSON Lines files should be named .jsonl).");
                    progress.InArray = true;
                    consumed = (int)reader.BytesConsumed;
                    state = reader.CurrentState;
                    continue;
                }
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    progress.Done = true;
                    return (int)reader.BytesConsumed;
                }
                int elementStart = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                    break; // incomplete: the next chunk re-reads it from the saved state
                int elementEnd = (int)reader.BytesConsumed;
                progress.Row++;
                DataRow? row = null;
                try
                {
                    var element = new Utf8JsonReader(data[elementStart..elementEnd]);
                    using var document = JsonDocument.ParseValue(ref element);
                    row = new DataRow(Path, progress.Row, JsonValues.Object(document.RootElement));
                }
                catch (Exception error) when (error is JsonException or FormatException)
                {
                    var problem = new DataFormatException(Path, progress.Row, error.Message, error);
                    if (onBadRow is null) throw problem;
                    onBadRow(problem);
                }
                if (row is not null) rows.Add(row);
                consumed = elementEnd;
                state = reader.CurrentState;
            }
        }
        catch (JsonException error)
        {
            // Bad syntax between elements stops the read: there is no reliable place to resume.
            throw new DataFormatException(Path, progress.Row + 1, error.Message, error);
        }
        return consumed;
    }

    /// <summary>Anything but whitespace after the array means a malformed file, not something to ignore.</summary>
    void CheckTrailing(ReadOnlySpan<byte> rest)
    {
        foreach (byte b in rest)
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                throw new DataFormatException(Path, null, "has data after the closing ']' of the row array.");
    }
}
