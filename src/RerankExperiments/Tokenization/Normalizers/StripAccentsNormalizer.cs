using System.Globalization;
using System.Text;
using RerankExperiments.Tokenization.Text;

namespace RerankExperiments.Tokenization.Normalizers;

/// <summary>
/// StripAccents: drops every combining mark (General_Category M: Mn, Mc, Me — so Devanagari vowel signs go too).
/// It does no NFD of its own: pair it with NFD. BertNormalizer's accent stripping is narrower (see
/// <see cref="StripForBert"/>).
/// </summary>
public sealed class StripAccentsNormalizer : INormalizer
{
    public string Normalize(string text) => Remove(text, c => c is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark);

    /// <summary>BertNormalizer's accent stripping: NFD, then drop nonspacing marks (Mn) only.</summary>
    public static string StripForBert(string text) => Remove(text.Normalize(NormalizationForm.FormD), c => c == UnicodeCategory.NonSpacingMark);

    static string Remove(string text, Func<UnicodeCategory, bool> drop)
    {
        var output = new StringBuilder(text.Length);
        foreach (var rune in UnicodeClasses.Runes(text))
            if (!drop(UnicodeClasses.Category(rune.Value))) output.Append(rune.ToString());
        return output.ToString();
    }
}
