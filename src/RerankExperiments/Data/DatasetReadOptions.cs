namespace RerankExperiments.Data;

/// <summary>How to turn a dataset file into examples.</summary>
/// <param name="Format">The row layout.</param>
/// <param name="Columns">Explicit column roles; null resolves the format's usual names from the first row.</param>
/// <param name="SkipBadRows">
/// Skip rows that do not parse or do not fit the format, reporting each (see <see cref="DatasetLoadResult.Skipped"/>);
/// false makes the first one an error naming file:row.
/// </param>
public sealed record DatasetReadOptions(DatasetFormat Format, ColumnMapping? Columns = null, bool SkipBadRows = false);

/// <summary>The examples read, and every row skipped with the reason (so a caller can log the count and a sample).</summary>
public sealed record DatasetLoadResult(IReadOnlyList<RankingExample> Examples, IReadOnlyList<DataFormatException> Skipped);
