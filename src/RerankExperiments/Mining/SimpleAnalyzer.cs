using System.Text;

namespace RerankExperiments.Mining;

/// <summary>
/// Lowercases (invariant culture) and splits on every character that is not a Unicode letter or digit, dropping
/// stopwords when a list is given. No stemming. Thread-safe.
/// </summary>
public sealed class SimpleAnalyzer(IEnumerable<string>? stopwords = null) : IAnalyzer
{
    /// <summary>The classic English stop set of Lucene's StandardAnalyzer (33 words).</summary>
    public static readonly IReadOnlyList<string> EnglishStopwords =
    [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
        "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
    ];

    readonly HashSet<string> _stopwords = (stopwords ?? []).Select(w => w.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);

    public IReadOnlyList<string> Analyze(string text)
    {
        var terms = new List<string>();
        var current = new StringBuilder();
        Span<char> utf16 = stackalloc char[2];
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                current.Append(utf16[..Rune.ToLowerInvariant(rune).EncodeToUtf16(utf16)]);
                continue;
            }
            Flush();
        }
        Flush();
        return terms;

        void Flush()
        {
            if (current.Length == 0) return;
            var term = current.ToString();
            current.Clear();
            if (!_stopwords.Contains(term)) terms.Add(term);
        }
    }
}
