using System.IO.Compression;
using System.Text;

namespace RerankExperiments.Data;

/// <summary>
/// The lines of a UTF-8 text file (gzip-decompressed when the name ends .gz), numbered from 1, for the line-based
/// formats (JSON Lines, corpora, BEIR files). Each line is decoded on its own, so invalid UTF-8 is reported at the
/// line that holds it (a stream decoder fails wherever its buffer happens to end), and a line may be at most
/// <see cref="MaxLineBytes"/> long: a 50 MB passage is read, but a binary or single-line file of gigabytes is
/// refused with a clear error instead of running out of memory. A leading byte-order mark and the \r of \r\n are dropped.
/// </summary>
public static class TextLines
{
    /// <summary>The longest line read (64 MiB); longer ones are an error naming the line.</summary>
    public const int MaxLineBytes = 64 << 20;

    /// <summary>Every line, blank ones included. Faults become <paramref name="error"/>(line, problem), by default a <see cref="DataFormatException"/>.</summary>
    public static IEnumerable<(string Text, int Number)> Read(string path, Func<int, string, Exception>? error = null)
    {
        error ??= (line, problem) => new DataFormatException(path, line, problem);
        using var stream = File.OpenRead(path);
        using var input = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionMode.Decompress) : (Stream)stream;
        var splitter = new Splitter(input, error);
        while (splitter.Next() is { } line) yield return (line, splitter.Number);
    }

    /// <summary>Cuts a byte stream at '\n' and decodes each line strictly.</summary>
    sealed class Splitter(Stream input, Func<int, string, Exception> error)
    {
        static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        readonly byte[] _buffer = new byte[1 << 16];
        readonly MemoryStream _line = new();
        int _start, _end;
        bool _finished;

        public int Number { get; private set; }

        public string? Next()
        {
            if (_finished) return null;
            _line.SetLength(0);
            while (true)
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = Fill();
                    if (_end == 0)
                    {
                        _finished = true;
                        return _line.Length == 0 ? null : Decode();
                    }
                }
                int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                int stop = newline < 0 ? _end : newline;
                if (_line.Length + (stop - _start) > MaxLineBytes)
                    throw error(Number + 1, $"is longer than {MaxLineBytes >> 20} MiB; no line of a text dataset should be (is this a binary file, or a JSON array saved as .jsonl?).");
                _line.Write(_buffer, _start, stop - _start);
                _start = stop;
                if (newline >= 0)
                {
                    _start++;
                    return Decode();
                }
            }
        }

        int Fill()
        {
            try
            {
                return input.Read(_buffer, 0, _buffer.Length);
            }
            catch (InvalidDataException problem)
            {
                throw error(Number + 1, $"cannot be decompressed: {problem.Message}");
            }
        }

        string Decode()
        {
            Number++;
            var bytes = _line.GetBuffer().AsSpan(0, (int)_line.Length);
            if (Number == 1 && bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
            if (bytes.EndsWith((ReadOnlySpan<byte>)[(byte)'\r'])) bytes = bytes[..^1];
            try
            {
                return Strict.GetString(bytes);
            }
            catch (DecoderFallbackException problem)
            {
                // Replacing the bytes with U+FFFD would train on corrupted text unnoticed.
                throw error(Number, $"is not valid UTF-8 (byte {problem.Index + 1} of the line).");
            }
        }
    }
}
