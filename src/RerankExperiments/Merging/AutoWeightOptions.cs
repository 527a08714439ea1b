using RerankExperiments.Data;

namespace RerankExperiments.Merging;

/// <summary>
/// Settings of LM-Cocktail's <c>mix_models_with_data</c> for rerankers: where the examples come from and how each
/// model's loss on them is measured. Defaults are LM-Cocktail's (temperature 5.0, neg_number 7, batch_size 2,
/// max_input_length 2048); the seed is the project's usual 42.
/// </summary>
public sealed record AutoWeightOptions
{
    /// <summary>A dataset file read in <see cref="Format"/> (query-pos-neg JSONL by default); or give <see cref="Examples"/>.</summary>
    public string? ExamplesPath { get; init; }

    /// <summary>Examples in memory (a positive has label &gt; 0, a negative ≤ 0); or give <see cref="ExamplesPath"/>.</summary>
    public IReadOnlyList<RankingExample>? Examples { get; init; }

    /// <summary>The layout of <see cref="ExamplesPath"/>.</summary>
    public DatasetFormat Format { get; init; } = DatasetFormat.QueryPosNeg;

    /// <summary>τ in wᵢ = softmax(−Lᵢ / τ): higher flattens the weights toward uniform.</summary>
    public double Temperature { get; init; } = 5.0;

    /// <summary>Negatives sampled per group (the positive makes it neg_number + 1 passages).</summary>
    public int NegNumber { get; init; } = 7;

    /// <summary>Token limit of a (query, passage) pair; capped by each model's own limit (512 for BERT and XLM-R).</summary>
    public int MaxInputLength { get; init; } = 2048;

    /// <summary>Groups scored per forward batch (does not change the loss, only speed and memory).</summary>
    public int BatchSize { get; init; } = 2;

    /// <summary>Seeds the negative sampling; the same seed gives every model the same groups.</summary>
    public long Seed { get; init; } = 42;

    public AutoWeightOptions Validated()
    {
        if ((ExamplesPath is null) == (Examples is null)) throw new ArgumentException("Give exactly one of ExamplesPath and Examples.");
        if (!double.IsFinite(Temperature) || Temperature <= 0) throw new ArgumentException($"Temperature is {Temperature}; it must be finite and > 0.");
        if (NegNumber < 1) throw new ArgumentException($"NegNumber is {NegNumber}; it must be ≥ 1.");
        if (MaxInputLength < 2) throw new ArgumentException($"MaxInputLength is {MaxInputLength}; it must be ≥ 2.");
        if (BatchSize < 1) throw new ArgumentException($"BatchSize is {BatchSize}; it must be ≥ 1.");
        return this;
    }

    /// <summary>The examples: <see cref="Examples"/>, or <see cref="ExamplesPath"/> read whole.</summary>
    public IReadOnlyList<RankingExample> LoadExamples()
    {
        var examples = Examples ?? RankingDatasets.Load(ExamplesPath!, new DatasetReadOptions(Format)).Examples;
        return examples.Count > 0 ? examples : throw new ArgumentException($"{ExamplesPath ?? "Examples"}: no examples to measure the models' losses on.");
    }
}
