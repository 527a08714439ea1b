using System.Globalization;
using System.Text;
using RerankExperiments.Tokenization.Text;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>
/// The character classes of the splitting pre-tokenizers' patterns beyond <see cref="UnicodeClasses"/>, by code
/// point (a supplementary-plane character is one character, never two surrogates).
/// </summary>
internal static class SplitClasses
{
    /// <summary><c>\p{L}</c>: any letter category.</summary>
    public static bool IsLetter(UnicodeCategory category) => category <= UnicodeCategory.OtherLetter;

    /// <summary><c>\p{N}</c> and Rust's <c>char::is_numeric</c>: Nd, Nl or No.</summary>
    public static bool IsNumber(UnicodeCategory category) =>
        category is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>
    /// Rust regex's Unicode <c>\w</c>: Alphabetic, marks, Nd, Pc and Join_Control. Alphabetic is letters, Nl and
    /// Other_Alphabetic; Other_Alphabetic outside the mark categories is only the circled / squared Latin letters
    /// (category So) listed here.
    /// </summary>
    public static bool IsRustWord(int cp)
    {
        var category = UnicodeClasses.Category(cp);
        if (IsLetter(category)) return true;
        if (category is UnicodeCategory.LetterNumber or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark) return true;
        return cp is 0x200C or 0x200D
            or >= 0x24B6 and <= 0x24E9
            or >= 0x1F130 and <= 0x1F149
            or >= 0x1F150 and <= 0x1F169
            or >= 0x1F170 and <= 0x1F189;
    }

    /// <summary>The code point at <paramref name="index"/> (a lone surrogate reads as U+FFFD, as UTF-8 encoding turns it into) and its length in UTF-16 units.</summary>
    public static (int CodePoint, int Length) At(string text, int index)
    {
        Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out int length);
        return (rune.Value, length);
    }
}
