using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace RerankExperiments.Data;

/// <summary>
/// A Parquet file (what the Hub's dataset viewer and <c>datasets.to_parquet</c> write), read one row group at a time.
/// Columns are rebuilt from their definition/repetition levels here rather than through Parquet.Net's untyped
/// deserialiser, because that one returns an empty list as if it were null — and for mined data "no negatives
/// mined" ([]) and "negatives unknown" (null) are different facts. Handled: primitive columns and one-level lists of
/// primitives (list&lt;string&gt;, list&lt;double&gt;, …), which is every reranker layout; deeper nesting (structs,
/// maps, lists of lists) comes back as <see cref="UnsupportedValue"/>.
/// </summary>
public sealed class ParquetRowSource(string path) : IRowSource
{
    public string Path { get; } = path;

    public IEnumerable<DataRow> ReadRows()
    {
        if (!File.Exists(Path)) throw new DataFormatException(Path, null, "does not exist.");
        using var stream = File.OpenRead(Path);
        // Parquet.Net is async-only; blocking here is safe (no synchronisation context in the CLI or tests) and keeps
        // IRowSource a plain IEnumerable that every format shares.
        var reader = Run(() => ParquetReader.CreateAsync(stream).GetAwaiter().GetResult(), 0);
        try
        {
            var fields = reader.Schema.Fields;
            int number = 0;
            for (int group = 0; group < reader.RowGroupCount; group++)
            {
                var columns = Run(() => ReadGroup(reader, group, fields), number + 1);
                int rows = columns.Length == 0 ? 0 : columns[0].Length;
                for (int r = 0; r < rows; r++)
                {
                    number++;
                    var values = new Dictionary<string, object?>(StringComparer.Ordinal);
                    for (int c = 0; c < fields.Count; c++) values[fields[c].Name] = columns[c][r];
                    yield return new DataRow(Path, number, values);
                }
            }
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    T Run<T>(Func<T> read, int row)
    {
        try
        {
            return read();
        }
        catch (Exception error) when (error is IOException or InvalidDataException or ParquetException or NotSupportedException or InvalidOperationException)
        {
            throw new DataFormatException(Path, row == 0 ? null : row, $"is not a readable Parquet file: {error.Message}", error);
        }
    }

    /// <summary>Every top-level column of one row group, as one value per row.</summary>
    static object?[][] ReadGroup(ParquetReader reader, int group, IReadOnlyList<Field> fields)
    {
        using var groupReader = reader.OpenRowGroupReader(group);
        int rows = checked((int)groupReader.RowCount);
        var columns = new object?[fields.Count][];
        for (int c = 0; c < fields.Count; c++)
        {
            columns[c] = fields[c] switch
            {
                DataField { MaxRepetitionLevel: 0 } field => Primitive(groupReader, field, rows),
                ListField { Item: DataField { MaxRepetitionLevel: 1 } item } list => List(groupReader, list, item, rows),
                var other => Enumerable.Repeat<object?>(new UnsupportedValue($"Parquet {other.SchemaType} column"), rows).ToArray(),
            };
        }
        return columns;
    }

    static object?[] Primitive(ParquetRowGroupReader groupReader, DataField field, int rows)
    {
        using var raw = groupReader.ReadRawColumnDataBaseAsync(field).GetAwaiter().GetResult();
        var values = Values(raw);
        if (values is null) return Unsupported(raw, rows);
        var column = new object?[rows];
        int next = 0;
        // Values hold only the defined entries; the definition level says which rows they belong to.
        for (int r = 0; r < rows; r++)
            column[r] = field.MaxDefinitionLevel == 0 || raw.DefinitionLevels[r] == field.MaxDefinitionLevel ? values[next++] : null;
        return column;
    }

    /// <summary>
    /// A list column from its levels. Repetition 0 starts a row. Definition: below the list's own level the list is
    /// null, at it the list is empty, at the maximum an item has a value, in between the item is null.
    /// </summary>
    static object?[] List(ParquetRowGroupReader groupReader, ListField list, DataField item, int rows)
    {
        using var raw = groupReader.ReadRawColumnDataBaseAsync(item).GetAwaiter().GetResult();
        var values = Values(raw);
        if (values is null) return Unsupported(raw, rows);
        var definitions = raw.DefinitionLevels;
        var repetitions = raw.RepetitionLevels;
        int listDefined = list.IsNullable ? 1 : 0;
        var column = new object?[rows];
        int row = -1, next = 0;
        List<object?>? current = null;
        for (int i = 0; i < definitions.Length; i++)
        {
            if (repetitions[i] == 0)
            {
                row++;
                if (row >= rows) throw new InvalidDataException($"column '{list.Name}' has more rows than its row group.");
                current = definitions[i] < listDefined ? null : [];
                column[row] = current;
            }
            int definition = definitions[i];
            if (current is null || definition <= listDefined) continue;
            current.Add(definition == item.MaxDefinitionLevel ? values[next++] : null);
        }
        if (row != rows - 1) throw new InvalidDataException($"column '{list.Name}' has {row + 1} rows, its row group {rows}.");
        return column;
    }

    /// <summary>The defined values of a column, converted to the <see cref="DataRow"/> value types.</summary>
    static object?[]? Values(RawColumnData raw) => raw switch
    {
        RawColumnData<ReadOnlyMemory<char>> strings => Convert(strings.Values, s => s.ToString()),
        RawColumnData<double> numbers => Convert(numbers.Values, n => n),
        RawColumnData<float> numbers => Convert(numbers.Values, n => (double)n),
        RawColumnData<long> numbers => Convert(numbers.Values, n => (double)n),
        RawColumnData<int> numbers => Convert(numbers.Values, n => (double)n),
        RawColumnData<short> numbers => Convert(numbers.Values, n => (double)n),
        RawColumnData<sbyte> numbers => Convert(numbers.Values, n => (double)n),
        RawColumnData<ulong> numbers => Convert(numbers.Values, n => (double)n),
        RawColumnData<uint> numbers => Convert(numbers.Values, n => (double)n),
        RawColumnData<ushort> numbers => Convert(numbers.Values, n => (double)n),
        RawColumnData<byte> numbers => Convert(numbers.Values, n => (double)n),
        RawColumnData<decimal> numbers => Convert(numbers.Values, n => (double)n),
        RawColumnData<bool> flags => Convert(flags.Values, b => b),
        _ => null,
    };

    static object?[] Unsupported(RawColumnData raw, int rows) =>
        Enumerable.Repeat<object?>(new UnsupportedValue($"Parquet {raw.GetType().GenericTypeArguments.FirstOrDefault()?.Name} values"), rows).ToArray();

    static object?[] Convert<T>(Span<T> values, Func<T, object?> convert)
    {
        var converted = new object?[values.Length];
        for (int i = 0; i < values.Length; i++) converted[i] = convert(values[i]);
        return converted;
    }
}
