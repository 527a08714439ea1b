using System.Collections;
using Parquet;
using Parquet.Serialization;

namespace RerankExperiments.Data;

/// <summary>
/// A Parquet file (what the Hub's dataset viewer and <c>datasets.to_parquet</c> write), read one row group at a
/// time through Parquet.Net's untyped deserialiser, which assembles nested list columns (<c>neg: list&lt;string&gt;</c>)
/// from their repetition/definition levels. A null value comes back as a missing key; it becomes null here.
/// </summary>
public sealed class ParquetRowSource(string path) : IRowSource
{
    public string Path { get; } = path;

    public IEnumerable<DataRow> ReadRows()
    {
        if (!File.Exists(Path)) throw new DataFormatException(Path, null, "does not exist.");
        int groups;
        string[] columns;
        try
        {
            // Parquet.Net is async-only; blocking here is safe (no synchronisation context in the CLI or tests) and
            // keeps IRowSource a plain IEnumerable that every format shares.
            using var stream = File.OpenRead(Path);
            var reader = ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
            try
            {
                groups = reader.RowGroupCount;
                columns = [.. reader.Schema.Fields.Select(f => f.Name)];
            }
            finally
            {
                reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        catch (Exception error) when (error is IOException or InvalidDataException or ParquetException)
        {
            throw new DataFormatException(Path, null, $"is not a readable Parquet file: {error.Message}", error);
        }
        int number = 0;
        for (int group = 0; group < groups; group++)
        {
            IList<Dictionary<string, object>> data;
            try
            {
                using var stream = File.OpenRead(Path);
                data = ParquetSerializer.DeserializeUntypedAsync(stream, null, group).GetAwaiter().GetResult().Data;
            }
            catch (Exception error) when (error is IOException or InvalidDataException or ParquetException or NotSupportedException)
            {
                throw new DataFormatException(Path, number + 1, $"row group {group} cannot be read: {error.Message}", error);
            }
            foreach (var source in data)
            {
                number++;
                var values = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (string column in columns) values[column] = source.TryGetValue(column, out var value) ? Value(value) : null;
                yield return new DataRow(Path, number, values);
            }
        }
    }

    static object? Value(object? value) => value switch
    {
        null => null,
        string text => text,
        ReadOnlyMemory<char> text => text.ToString(),
        bool flag => flag,
        double or float or decimal or long or int or short or sbyte or ulong or uint or ushort or byte => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
        IDictionary => new UnsupportedValue("Parquet struct or map"),
        IEnumerable items => items.Cast<object?>().Select(Value).ToList(),
        _ => new UnsupportedValue(value.GetType().Name),
    };
}
