using System.Globalization;
using System.Text;
using RerankExperiments.Tokenization.Text;

namespace RerankExperiments.Tokenization.Normalizers;

/// <summary>Drops nonspacing marks (Mn). tokenizers' StripAccents does only that (no NFD of its own): pair it with NFD.</summary>
public sealed class StripAccentsNormalizer : INormalizer
{
    public string Normalize(string text) => RemoveMarks(text);

    /// <summary>BertNormalizer's accent stripping: NFD, then drop Mn.</summary>
    public static string Strip(string text) => RemoveMarks(text.Normalize(NormalizationForm.FormD));

    static string RemoveMarks(string text)
    {
        var output = new StringBuilder(text.Length);
        foreach (var rune in UnicodeClasses.Runes(text))
            if (UnicodeClasses.Category(rune.Value) != UnicodeCategory.NonSpacingMark) output.Append(rune.ToString());
        return output.ToString();
    }
}
