namespace RerankExperiments.Experiments.Config;

/// <summary>One problem in an experiment: where (file:line:column), which setting (a dotted path), and what is wrong.</summary>
public sealed record ConfigError(SourceMark? Mark, string Path, string Message)
{
    public override string ToString()
    {
        string where = Mark is { } mark ? $"{mark}: " : "";
        string what = Path.Length > 0 ? $"{Path}: " : "";
        return where + what + Message;
    }
}
