namespace RerankExperiments.Experiments.Config;

/// <summary>An experiment that cannot run, with every problem found (not only the first).</summary>
public sealed class ExperimentConfigException(IReadOnlyList<ConfigError> errors)
    : Exception(string.Join(Environment.NewLine, errors.Select(e => e.ToString())))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}
