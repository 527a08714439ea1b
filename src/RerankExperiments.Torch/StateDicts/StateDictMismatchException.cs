using System.Text;

namespace RerankExperiments.Torch.StateDicts;

/// <summary>
/// A state dict that does not fit a module: every missing, unexpected and mis-shaped tensor is named, so one
/// error shows the whole difference (a wrong architecture, a missing prefix, a wrong config).
/// </summary>
public sealed class StateDictMismatchException(string origin, StateDictLoadReport report)
    : Exception(Describe(origin, report))
{
    /// <summary>What the load found.</summary>
    public StateDictLoadReport Report { get; } = report;

    static string Describe(string origin, StateDictLoadReport report)
    {
        var text = new StringBuilder($"{origin} does not fit the module:");
        Append(text, "missing from the source", report.Missing);
        Append(text, "unexpected (not in the module)", report.Unexpected);
        Append(text, "shape mismatch", report.Mismatched.Select(m => m.ToString()).ToList());
        return text.ToString();
    }

    static void Append(StringBuilder text, string title, IReadOnlyList<string> names)
    {
        if (names.Count == 0) return;
        const int shown = 20;
        text.Append($"\n  {title} ({names.Count}): {string.Join(", ", names.Take(shown))}");
        if (names.Count > shown) text.Append($", … {names.Count - shown} more");
    }
}
