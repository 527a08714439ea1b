using System.Globalization;
using System.Text;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>
/// Lets .NET's UTF-16 regex engine see a supplementary-plane character as one character of the right category:
/// each is replaced by a fixed BMP character of the same general category (the first one found from U+A000 on,
/// away from the common scripts and ASCII), so <c>\p{L}</c>, <c>\p{N}</c>, <c>\s</c>, <c>.</c> and negated classes
/// treat it as Oniguruma does on code points.
/// </summary>
internal static class SupplementaryStandIns
{
    static readonly char[] standIn = Build();

    /// <summary>
    /// The text with supplementary characters folded to stand-ins, and the map from each folded index (and the end)
    /// to the original index; null map when the text has no surrogate pair (nothing folded).
    /// </summary>
    public static (string Folded, int[]? OriginalIndex) Fold(string text)
    {
        int first = -1;
        for (int i = 0; i + 1 < text.Length; i++)
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1])) { first = i; break; }
        if (first < 0) return (text, null);

        var folded = new StringBuilder(text.Length);
        var index = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length;)
        {
            index.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                folded.Append(standIn[(int)CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]))]);
                i += 2;
            }
            else folded.Append(text[i++]);
        }
        index.Add(text.Length);
        return (folded.ToString(), index.ToArray());
    }

    static char[] Build()
    {
        int categories = Enum.GetValues<UnicodeCategory>().Length;
        var table = new char[categories];
        var found = new bool[categories];
        // Search U+A000..U+FFFD first, then the rest of the BMP above Latin-1; skip surrogates and whitespace.
        IEnumerable<int> order = Enumerable.Range(0xA000, 0xFFFE - 0xA000).Concat(Enumerable.Range(0x100, 0xA000 - 0x100));
        foreach (int cp in order)
        {
            if (cp is >= 0xD800 and <= 0xDFFF || Text.UnicodeClasses.IsWhitespace(cp)) continue;
            int category = (int)CharUnicodeInfo.GetUnicodeCategory(cp);
            if (found[category]) continue;
            found[category] = true;
            table[category] = (char)cp;
        }
        // A category with no BMP member cannot occur in a valid pair's category lookup; map it to U+FFFD (So).
        for (int c = 0; c < categories; c++) if (!found[c]) table[c] = '\uFFFD';
        return table;
    }
}
