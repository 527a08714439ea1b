namespace RerankExperiments.Experiments.Config;

/// <summary>An experiment that cannot run, with every problem found (not only the first).</summary>
/// <remarks>
/// The message lists the first <see cref="MaxListed"/> problems and counts the rest: a generated or corrupted file
/// can hold tens of thousands of unknown keys, and a message that long helps nobody. <see cref="Errors"/> has all.
/// </remarks>
public sealed class ExperimentConfigException(IReadOnlyList<ConfigError> errors) : Exception(Describe(errors))
{
    public const int MaxListed = 50;

    public IReadOnlyList<ConfigError> Errors { get; } = errors;

    static string Describe(IReadOnlyList<ConfigError> errors)
    {
        var listed = errors.Take(MaxListed).Select(e => e.ToString());
        if (errors.Count > MaxListed) listed = listed.Append($"… and {errors.Count - MaxListed:N0} more problems.");
        return string.Join(Environment.NewLine, listed);
    }
}
