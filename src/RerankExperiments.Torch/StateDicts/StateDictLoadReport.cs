namespace RerankExperiments.Torch.StateDicts;

/// <summary>A tensor present on both sides whose shapes differ.</summary>
public sealed record ShapeMismatch(string Name, long[] Expected, long[] Found)
{
    public override string ToString() => $"{Name}: module has [{string.Join(", ", Expected)}], source has [{string.Join(", ", Found)}]";
}

/// <summary>What a state-dict load matched: loaded names, and what was missing, unexpected or mis-shaped.</summary>
public sealed record StateDictLoadReport(
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<ShapeMismatch> Mismatched)
{
    /// <summary>True when every module tensor was loaded and nothing else was in the source.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;
}
