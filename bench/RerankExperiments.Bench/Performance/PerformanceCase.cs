namespace RerankExperiments.Bench.Performance;

/// <summary>
/// One measurement, run in a process of its own so its peak resident memory is its own: what to run
/// (<paramref name="Kind"/>: training or scoring), on which model size, with length-grouped (sorted)
/// or random (input-order) batches, over how many examples.
/// </summary>
public sealed record PerformanceCase(string Kind, string Model, bool Grouped, int Examples)
{
    public string Batching => Kind == "scoring" ? (Grouped ? "length-sorted" : "input order") : (Grouped ? "length-grouped" : "random");

    public string[] Arguments => [Kind, Model, Grouped ? "grouped" : "random", Examples.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    public static PerformanceCase Parse(IReadOnlyList<string> arguments) =>
        new(arguments[0], arguments[1], arguments[2] == "grouped", int.Parse(arguments[3], System.Globalization.CultureInfo.InvariantCulture));

    public BenchModels.Size Size => Model switch
    {
        "minilm" => BenchModels.MiniLm,
        "minilm-no-dropout" => BenchModels.MiniLm with { Name = "MiniLM-L6, dropout 0", Dropout = 0 },
        "bert-base" => BenchModels.BertBase,
        _ => throw new ArgumentException($"Unknown model '{Model}': minilm, minilm-no-dropout or bert-base."),
    };
}
