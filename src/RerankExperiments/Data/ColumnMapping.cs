namespace RerankExperiments.Data;

/// <summary>
/// Which source column plays which role. The same role has different names across datasets (query/anchor/question,
/// pos/positive/answer), so each format has a default that <see cref="Resolve"/> matches against the file's columns;
/// an explicit mapping is taken as given. Optional roles are null when the format or the file lacks them.
/// </summary>
/// <param name="Query">The query (anchor) text.</param>
/// <param name="Positive">QueryPosNeg: the positives list (a single string is accepted); Pairs/Triplets: the positive text.</param>
/// <param name="Negative">QueryPosNeg: the negatives list; Triplets: the negative text (or a list of them).</param>
/// <param name="Passage">LabeledPairs: the passage text.</param>
/// <param name="Label">LabeledPairs: the relevance label (number, bool, or a numeric string from CSV).</param>
/// <param name="PositiveScores">QueryPosNeg: teacher scores aligned with the positives.</param>
/// <param name="NegativeScores">QueryPosNeg: teacher scores aligned with the negatives.</param>
/// <param name="MoreNegatives">Triplets: further negative columns after <paramref name="Negative"/> (sentence-transformers'
/// n-tuple layout, negative_1 … negative_n).</param>
public sealed record ColumnMapping(
    string Query,
    string? Positive = null,
    string? Negative = null,
    string? Passage = null,
    string? Label = null,
    string? PositiveScores = null,
    string? NegativeScores = null,
    IReadOnlyList<string>? MoreNegatives = null)
{
    static readonly string[] QueryNames = ["query", "anchor", "question", "sentence1"];
    static readonly string[] PositiveNames = ["pos", "positive", "answer", "positives", "document", "passage", "sentence2"];
    static readonly string[] NegativeNames = ["neg", "negative", "negatives", "hard_negative"];
    static readonly string[] PassageNames = ["passage", "document", "text", "answer", "positive", "sentence2"];
    static readonly string[] LabelNames = ["label", "labels", "score", "scores", "relevance"];

    /// <summary>
    /// The mapping for <paramref name="format"/> found among the columns of <paramref name="row"/> (the first row),
    /// first known name wins. Optional roles fall back to FlagEmbedding's names when the row lacks them: JSONL writers
    /// omit null keys, so a first row without "neg" must not switch negatives off for the whole file. Throws naming
    /// file:row and the columns it saw when a required role has no column.
    /// </summary>
    public static ColumnMapping Resolve(DatasetFormat format, DataRow row)
    {
        var columns = row.Values.Keys.ToList();
        string Required(string role, string[] names) => Find(names, columns)
            ?? throw row.Error($"has no {role} column for the {format} format (looked for {string.Join("/", names)}; the row has {string.Join(", ", columns)}). Name the columns explicitly.");
        string query = Required("query", QueryNames);
        return format switch
        {
            DatasetFormat.QueryPosNeg => new(query, Positive: Required("positive", PositiveNames), Negative: Find(NegativeNames, columns) ?? "neg",
                PositiveScores: Find(["pos_scores"], columns) ?? "pos_scores", NegativeScores: Find(["neg_scores"], columns) ?? "neg_scores"),
            DatasetFormat.Pairs => new(query, Positive: Required("positive", PositiveNames)),
            DatasetFormat.LabeledPairs => new(query, Passage: Required("passage", PassageNames), Label: Required("label", LabelNames)),
            DatasetFormat.Triplets => Triplets(query, Required("positive", PositiveNames), columns, Required),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
    }

    /// <summary>(anchor, positive, negative) or the n-tuple (anchor, positive, negative_1, …, negative_n), in number order.</summary>
    static ColumnMapping Triplets(string query, string positive, List<string> columns, Func<string, string[], string> required)
    {
        var numbered = columns
            .Select(c => (Column: c, Match: System.Text.RegularExpressions.Regex.Match(c, @"^negative_(\d+)$")))
            .Where(c => c.Match.Success)
            .OrderBy(c => int.Parse(c.Match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .Select(c => c.Column)
            .ToList();
        if (Find(NegativeNames, columns) is null && numbered.Count > 0)
            return new(query, Positive: positive, Negative: numbered[0], MoreNegatives: numbered[1..]);
        return new(query, Positive: positive, Negative: required("negative", NegativeNames));
    }

    static string? Find(string[] names, IReadOnlyCollection<string> columns) => names.FirstOrDefault(columns.Contains);

    /// <summary>Checks an explicit mapping names every column <paramref name="format"/> needs.</summary>
    public ColumnMapping ValidatedFor(DatasetFormat format)
    {
        string? missing = format switch
        {
            DatasetFormat.QueryPosNeg or DatasetFormat.Pairs when Positive is null => nameof(Positive),
            DatasetFormat.Triplets when Positive is null => nameof(Positive),
            DatasetFormat.Triplets when Negative is null => nameof(Negative),
            DatasetFormat.LabeledPairs when Passage is null => nameof(Passage),
            DatasetFormat.LabeledPairs when Label is null => nameof(Label),
            _ => null,
        };
        return missing is null ? this : throw new ArgumentException($"The {format} format needs the {missing} column named in the mapping.");
    }
}
