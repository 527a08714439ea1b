namespace RerankExperiments.Data;

/// <summary>The names experiment files and the CLI use for <see cref="DatasetFormat"/>.</summary>
public static class DatasetFormats
{
    public static IReadOnlyList<string> Names { get; } = ["query-pos-neg", "pairs", "labeled-pairs", "triplets"];

    public static DatasetFormat Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "query-pos-neg" => DatasetFormat.QueryPosNeg,
        "pairs" => DatasetFormat.Pairs,
        "labeled-pairs" or "labeled-pair" => DatasetFormat.LabeledPairs,
        "triplets" or "triplet" or "n-tuple" => DatasetFormat.Triplets,
        _ => throw new FormatException($"Unknown data format '{name}': use one of {string.Join(", ", Names)}."),
    };

    /// <summary>An example's passages split by label (&gt; 0 relevant), as evaluation samples need them.</summary>
    public static (List<string> Positives, List<string> Negatives) SplitByLabel(RankingExample example)
    {
        var positives = new List<string>();
        var negatives = new List<string>();
        for (int i = 0; i < example.Passages.Count; i++) (example.Labels[i] > 0 ? positives : negatives).Add(example.Passages[i]);
        return (positives, negatives);
    }
}
