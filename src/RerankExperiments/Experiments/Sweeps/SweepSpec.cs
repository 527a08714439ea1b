namespace RerankExperiments.Experiments.Sweeps;

/// <summary>How a sweep turns its parameters into trials.</summary>
public enum SweepMethod
{
    /// <summary>Every combination of the listed values (the first parameter varies slowest).</summary>
    Grid,

    /// <summary><c>trials</c> draws from each parameter's distribution, seeded.</summary>
    Random,

    /// <summary>Lists of equal length taken side by side: trial i gets the i-th value of each.</summary>
    Zip,
}

/// <summary>A swept setting: its dotted path and either listed values or a distribution (random sweeps).</summary>
public sealed record SweepParameter(string Path, Config.SourceMark Mark, IReadOnlyList<Config.ConfigNode>? Values, SweepDistribution? Distribution);

/// <summary>A distribution of a random sweep: choice among values, uniform, loguniform, or int (inclusive).</summary>
public sealed record SweepDistribution(string Kind, double Low, double High, IReadOnlyList<Config.ConfigNode>? Choices);

/// <summary>
/// The <c>sweep:</c> section: method, parameters, number of random trials and seed, and the metric that marks the best
/// trial in the summary (null: the first evaluator's primary metric) with its goal.
/// </summary>
public sealed record SweepSpec(SweepMethod Method, IReadOnlyList<SweepParameter> Parameters, int Trials, long Seed, string? Metric, bool Maximize);

/// <summary>One value a trial sets: the dotted path and the YAML node put there.</summary>
public sealed record SweepAssignment(string Path, Config.ConfigNode Value)
{
    /// <summary>The value as text (for names, params and tables).</summary>
    public string Text => Value is Config.ConfigScalar scalar ? scalar.Text : Config.ConfigYamlWriter.Flow(Value);
}
