using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace RerankExperiments.Data;

/// <summary>
/// An Arrow IPC file, in either layout: the stream format (what a local <c>datasets</c> cache holds under
/// ~/.cache/huggingface/datasets/…/*.arrow) or the file format (magic "ARROW1", what feather v2 writes). Read one
/// record batch at a time.
/// </summary>
public sealed class ArrowRowSource(string path) : IRowSource
{
    static readonly byte[] FileMagic = "ARROW1"u8.ToArray();

    public string Path { get; } = path;

    public IEnumerable<DataRow> ReadRows()
    {
        if (!File.Exists(Path)) throw new DataFormatException(Path, null, "does not exist.");
        using var stream = File.OpenRead(Path);
        using var reader = IsFileFormat(stream) ? new ArrowFileReader(stream) : new ArrowStreamReader(stream);
        int number = 0;
        while (true)
        {
            RecordBatch? batch;
            try
            {
                batch = reader.ReadNextRecordBatch();
            }
            catch (Exception error) when (error is IOException or InvalidDataException or InvalidOperationException or ArgumentException or NotSupportedException)
            {
                throw new DataFormatException(Path, number + 1, $"is not a readable Arrow IPC file: {error.Message}", error);
            }
            if (batch is null) yield break;
            using (batch)
            {
                var fields = batch.Schema.FieldsList;
                for (int i = 0; i < batch.Length; i++)
                {
                    number++;
                    var values = new Dictionary<string, object?>(StringComparer.Ordinal);
                    for (int c = 0; c < fields.Count; c++) values[fields[c].Name] = Value(batch.Column(c), i);
                    yield return new DataRow(Path, number, values);
                }
            }
        }
    }

    static bool IsFileFormat(Stream stream)
    {
        var head = new byte[FileMagic.Length];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        return read == head.Length && head.AsSpan().SequenceEqual(FileMagic);
    }

    static object? Value(IArrowArray array, int index)
    {
        if (array.IsNull(index)) return null;
        return array switch
        {
            StringArray strings => (object?)strings.GetString(index),
            LargeStringArray strings => strings.GetString(index),
            StringViewArray strings => strings.GetString(index),
            BooleanArray flags => flags.GetValue(index),
            DoubleArray numbers => numbers.GetValue(index),
            FloatArray numbers => (double?)numbers.GetValue(index),
            HalfFloatArray numbers => (double?)numbers.GetValue(index),
            Int64Array numbers => numbers.GetValue(index),
            Int32Array numbers => numbers.GetValue(index),
            Int16Array numbers => numbers.GetValue(index),
            Int8Array numbers => numbers.GetValue(index),
            UInt64Array numbers => numbers.GetValue(index),
            UInt32Array numbers => numbers.GetValue(index),
            UInt16Array numbers => numbers.GetValue(index),
            UInt8Array numbers => numbers.GetValue(index),
            ListArray lists => Items(lists.GetSlicedValues(index)),
            LargeListArray lists => Items(lists.GetSlicedValues(index)),
            FixedSizeListArray lists => Items(lists.GetSlicedValues(index)),
            _ => new UnsupportedValue(array.Data.DataType.Name),
        } switch
        {
            // The Get* accessors return nullables of their own type; every number leaves as a double.
            long n => (double)n,
            int n => (double)n,
            short n => (double)n,
            sbyte n => (double)n,
            ulong n => (double)n,
            uint n => (double)n,
            ushort n => (double)n,
            byte n => (double)n,
            var other => other,
        };
    }

    static List<object?> Items(IArrowArray values)
    {
        var items = new List<object?>(values.Length);
        for (int i = 0; i < values.Length; i++) items.Add(Value(values, i));
        return items;
    }
}
