namespace RerankExperiments.Experiments.Config;

/// <summary>Where a value came from: a file (or "--set") with a 1-based line and column.</summary>
public readonly record struct SourceMark(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}
