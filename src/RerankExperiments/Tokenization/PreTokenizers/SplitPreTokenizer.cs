using System.Text.RegularExpressions;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>
/// <c>{"type":"Split","pattern":{"String":s}|{"Regex":r},"behavior":...,"invert":bool}</c>: cuts each piece at the
/// pattern's leftmost non-overlapping matches and groups the parts by the behaviour; <c>invert</c> swaps matches
/// and the text between them.
/// </summary>
/// <remarks>
/// tokenizers runs Regex patterns with Oniguruma (Ruby syntax: <c>^</c>/<c>$</c> are line anchors); here they run
/// on .NET's engine with Multiline. .NET matches UTF-16 units, so classes such as <c>\p{L}</c> would not match a
/// supplementary-plane character (two surrogates): the regex therefore runs on a copy of the text where each such
/// character is one BMP stand-in of the same general category (see <see cref="SupplementaryStandIns"/>), and the
/// match positions are mapped back. A pattern naming a supplementary character or a stand-in literally can
/// differ from Oniguruma. String patterns are literal (ordinal) searches, exactly as tokenizers' escaped regex.
/// </remarks>
public sealed class SplitPreTokenizer : IPreTokenizer
{
    readonly string? literal;
    readonly Regex? regex;

    SplitPreTokenizer(string? literal, Regex? regex, SplitDelimiterBehavior behavior, bool invert)
    {
        this.literal = literal;
        this.regex = regex;
        Behavior = behavior;
        Invert = invert;
    }

    public SplitDelimiterBehavior Behavior { get; }
    public bool Invert { get; }

    /// <summary>A Split on a literal string.</summary>
    public static SplitPreTokenizer ForString(string pattern, SplitDelimiterBehavior behavior, bool invert) =>
        new(pattern, null, behavior, invert);

    public static SplitPreTokenizer FromJson(TokenizerJson json)
    {
        var pattern = json.Required("pattern");
        var behavior = SplitDelimiter.Read(json, "behavior", null);
        bool invert = json.Required("invert").AsBool();
        var stringPattern = pattern.Optional("String");
        var regexPattern = pattern.Optional("Regex");
        if (stringPattern is not null == regexPattern is not null)
            throw pattern.Error("expected exactly one of {\"String\": ...} or {\"Regex\": ...}");
        if (stringPattern is { } s) return new SplitPreTokenizer(s.AsString(), null, behavior, invert);

        var r = regexPattern!.Value;
        string source = r.AsString();
        try
        {
            return new SplitPreTokenizer(null, new Regex(source, RegexOptions.Multiline | RegexOptions.CultureInvariant), behavior, invert);
        }
        catch (ArgumentException e)
        {
            throw new TokenizerFormatException(r.File, r.Path, $"invalid regular expression: {e.Message}", e);
        }
    }

    public void Split(Piece piece, List<Piece> output)
    {
        string text = piece.Text;
        var segments = SplitDelimiter.FromMatches(text, literal is not null ? LiteralMatches(text, literal) : RegexMatches(text, regex!));
        if (Invert) SplitDelimiter.Invert(segments);
        SplitDelimiter.Apply(piece, segments, Behavior, output);
    }

    static IEnumerable<(int, int)> LiteralMatches(string text, string literal)
    {
        if (literal.Length == 0)
        {
            // An empty pattern matches the empty string at every code point boundary.
            for (int i = 0; i <= text.Length; i++)
                if (!InsidePair(text, i)) yield return (i, i);
            yield break;
        }
        for (int at = text.IndexOf(literal, StringComparison.Ordinal); at >= 0; at = text.IndexOf(literal, at + literal.Length, StringComparison.Ordinal))
            yield return (at, at + literal.Length);
    }

    static IEnumerable<(int, int)> RegexMatches(string text, Regex regex)
    {
        var (folded, originalIndex) = SupplementaryStandIns.Fold(text);
        foreach (Match m in regex.Matches(folded))
        {
            int start = m.Index, end = m.Index + m.Length;
            yield return originalIndex is null ? (start, end) : (originalIndex[start], originalIndex[end]);
        }
    }

    /// <summary>Whether <paramref name="index"/> falls between the two halves of a surrogate pair.</summary>
    static bool InsidePair(string text, int index) =>
        index > 0 && index < text.Length && char.IsHighSurrogate(text[index - 1]) && char.IsLowSurrogate(text[index]);
}
