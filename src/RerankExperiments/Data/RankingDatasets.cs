using System.Globalization;

namespace RerankExperiments.Data;

/// <summary>
/// Reads any supported file (<see cref="RowSources"/>) in any <see cref="DatasetFormat"/> into
/// <see cref="RankingExample"/>s. Query-pos-neg and triplets stream a row at a time; pairs and labeled pairs are
/// grouped by query, which needs every row seen first, so they hold the dataset's text (an example list does anyway).
/// </summary>
public static class RankingDatasets
{
    /// <summary>
    /// Reads the whole file; skipped rows (only with <see cref="DatasetReadOptions.SkipBadRows"/>) are listed. A file
    /// that gives no example at all (empty, only blank lines, or every row skipped) is an error naming it: it is
    /// never what was meant, and training on nothing would fail much later and less clearly.
    /// </summary>
    public static DatasetLoadResult Load(string path, DatasetReadOptions options)
    {
        var skipped = new List<DataFormatException>();
        Action<DataFormatException>? onSkipped = options.SkipBadRows ? skipped.Add : null;
        var examples = Read(RowSources.Open(path, onSkipped), options, onSkipped).ToList();
        if (examples.Count == 0)
            throw new DataFormatException(path, null, skipped.Count == 0
                ? "holds no rows (the file is empty or has only blank lines)."
                : $"gave no examples: all {skipped.Count} rows were skipped; the first: {skipped[0].Message}");
        return new DatasetLoadResult(examples, skipped);
    }

    /// <param name="source">The rows.</param>
    /// <param name="options">Format and column roles.</param>
    /// <param name="onSkipped">Receives each row that does not fit the format, which is then skipped; null makes it an error.</param>
    public static IEnumerable<RankingExample> Read(IRowSource source, DatasetReadOptions options, Action<DataFormatException>? onSkipped = null)
    {
        ColumnMapping? columns = options.Columns?.ValidatedFor(options.Format);
        var groups = new Dictionary<string, (List<string> Passages, List<float> Labels)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var row in source.ReadRows())
        {
            columns ??= ColumnMapping.Resolve(options.Format, row);
            RankingExample? example = null;
            try
            {
                switch (options.Format)
                {
                    case DatasetFormat.QueryPosNeg:
                        example = QueryPosNeg(row, columns).ToExample();
                        break;
                    case DatasetFormat.Triplets:
                        // A missing negative_k drops the row (counted), as sentence-transformers drops short n-tuples.
                        var negatives = Texts(row, columns.Negative!) ?? throw Missing(columns.Negative!);
                        foreach (string more in columns.MoreNegatives ?? []) negatives.Add(Text(row, more));
                        example = RankingExample.Group(Text(row, columns.Query), Text(row, columns.Positive!), negatives);
                        break;
                    case DatasetFormat.Pairs:
                        Add(Text(row, columns.Query), Text(row, columns.Positive!), 1f);
                        break;
                    case DatasetFormat.LabeledPairs when row[columns.Passage!] is IReadOnlyList<object?>:
                        // sentence-transformers' labeled-list: the passages and their labels as two aligned lists.
                        string listQuery = Text(row, columns.Query);
                        var passages = Texts(row, columns.Passage!)!;
                        var labels = Numbers(row, columns.Label!, passages.Count) ?? throw Missing(columns.Label!);
                        for (int i = 0; i < passages.Count; i++) Add(listQuery, passages[i], labels[i]);
                        break;
                    case DatasetFormat.LabeledPairs:
                        Add(Text(row, columns.Query), Text(row, columns.Passage!), Number(row, columns.Label!));
                        break;
                }
            }
            catch (FormatException error)
            {
                var problem = row.Error(error.Message, error);
                if (onSkipped is null) throw problem;
                onSkipped(problem);
            }
            if (example is not null) yield return example;
        }
        foreach (string query in order)
        {
            var (passages, labels) = groups[query];
            yield return new RankingExample(query, passages, labels);
        }

        void Add(string query, string passage, float label)
        {
            if (!groups.TryGetValue(query, out var group))
            {
                groups[query] = group = ([], []);
                order.Add(query);
            }
            group.Passages.Add(passage);
            group.Labels.Add(label);
        }
    }

    static QueryPosNegRecord QueryPosNeg(DataRow row, ColumnMapping columns)
    {
        string query = Text(row, columns.Query);
        var positives = Texts(row, columns.Positive!) ?? throw Missing(columns.Positive!);
        if (positives.Count == 0) throw new FormatException($"'{columns.Positive}' is empty: every query needs a positive.");
        // A null negatives list is common in Parquet/Arrow exports (a query with nothing mined); it means none.
        var negatives = columns.Negative is null ? [] : Texts(row, columns.Negative) ?? [];
        var positiveScores = columns.PositiveScores is null ? null : Numbers(row, columns.PositiveScores, positives.Count);
        var negativeScores = columns.NegativeScores is null ? null : Numbers(row, columns.NegativeScores, negatives.Count);
        return new QueryPosNegRecord(query, positives, negatives, positiveScores, negativeScores);
    }

    static FormatException Missing(string column) => new($"'{column}' is missing or null.");

    static string Text(DataRow row, string column) => row[column] switch
    {
        string { Length: > 0 } text => text,
        string => throw new FormatException($"'{column}' is empty."),
        null => throw Missing(column),
        var other => throw new FormatException($"'{column}' must be text, found {Describe(other)}."),
    };

    /// <summary>A list of texts; a single string counts as a one-item list (pairs exported with pos as a string).</summary>
    static List<string>? Texts(DataRow row, string column) => row[column] switch
    {
        null => null,
        string text => [text],
        IReadOnlyList<object?> items => [.. items.Select(item => item as string ?? throw new FormatException($"'{column}' must hold only texts, found {Describe(item)}."))],
        var other => throw new FormatException($"'{column}' must be a list of texts, found {Describe(other)}."),
    };

    static List<float>? Numbers(DataRow row, string column, int expected)
    {
        if (row[column] is null) return null;
        if (row[column] is not IReadOnlyList<object?> items) throw new FormatException($"'{column}' must be a list of numbers, found {Describe(row[column])}.");
        var numbers = items.Select(item => ToNumber(column, item)).ToList();
        if (numbers.Count != expected) throw new FormatException($"'{column}' has {numbers.Count} entries for {expected} passages.");
        return numbers;
    }

    static float Number(DataRow row, string column) => row[column] is null ? throw Missing(column) : ToNumber(column, row[column]);

    static float ToNumber(string column, object? value)
    {
        float number = value switch
        {
            double d => (float)d,
            bool b => b ? 1f : 0f,
            // CSV cells are text; the label column is parsed here, where a number is what the role means.
            string s when float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float parsed) => parsed,
            string s when bool.TryParse(s, out bool flag) => flag ? 1f : 0f,
            _ => throw new FormatException($"'{column}' must be a number, found {Describe(value)}."),
        };
        return float.IsFinite(number) ? number : throw new FormatException($"'{column}' is {number}; labels and scores must be finite.");
    }

    static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"text \"{(s.Length <= 30 ? s : s[..30] + "…")}\"",
        double d => $"number {d.ToString(CultureInfo.InvariantCulture)}",
        bool b => b ? "true" : "false",
        IReadOnlyList<object?> => "a list",
        UnsupportedValue u => u.ToString(),
        _ => value.GetType().Name,
    };
}
