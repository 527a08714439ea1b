namespace RerankExperiments.Data;

/// <summary>
/// One row of a tabular dataset file, whatever its format, as column name → value. Values are normalised so the
/// column mapping needs one set of rules: <see cref="string"/>, <see cref="double"/> (every number: labels and
/// scores are small enough that int64 → double loses nothing), <see cref="bool"/>, <c>null</c> (an explicit null or
/// an empty CSV cell), <see cref="IReadOnlyList{T}"/> of those (list columns), or <see cref="UnsupportedValue"/>
/// for a type no reranking format uses (structs, timestamps) — kept rather than thrown, because a dataset may carry
/// such columns beside the ones that are mapped.
/// </summary>
public sealed class DataRow(string file, int number, IReadOnlyDictionary<string, object?> values)
{
    /// <summary>The file the row came from, for error messages.</summary>
    public string File { get; } = file;

    /// <summary>
    /// Where the row is, 1-based: the line for JSONL, CSV and TSV (the line the record starts on), the element index
    /// for a JSON array, the row index across row groups or record batches for Parquet and Arrow.
    /// </summary>
    public int Number { get; } = number;

    public IReadOnlyDictionary<string, object?> Values { get; } = values;

    /// <summary>The value, or null when the column is absent (absent and null mean the same to every format).</summary>
    public object? this[string column] => Values.TryGetValue(column, out var value) ? value : null;

    public bool Has(string column) => Values.ContainsKey(column);

    /// <summary>An error that names this row's file:row.</summary>
    public DataFormatException Error(string problem, Exception? inner = null) => new(File, Number, problem, inner);
}

/// <summary>A value of a type the readers do not convert (see <see cref="DataRow"/>); says what it was.</summary>
public sealed record UnsupportedValue(string Type)
{
    public override string ToString() => $"<unsupported {Type}>";
}
