using System.Globalization;
using System.Text;

namespace RerankExperiments.Tokenization.Text;

/// <summary>
/// The character classes Hugging Face tokenizers' Rust code uses, on code points (so supplementary-plane
/// characters are one unit, as Rust's char is).
/// </summary>
public static class UnicodeClasses
{
    /// <summary>Rust's char::is_whitespace: the Unicode White_Space property.</summary>
    public static bool IsWhitespace(int c) => c switch
    {
        >= 0x09 and <= 0x0D or 0x20 or 0x85 or 0xA0 or 0x1680 or >= 0x2000 and <= 0x200A
            or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    /// <summary>BertNormalizer's whitespace: \t \n \r, or White_Space.</summary>
    public static bool IsBertWhitespace(int c) => c is '\t' or '\n' or '\r' || IsWhitespace(c);

    /// <summary>BertNormalizer's control: any "other" category (Cc, Cf, Cn, Co, Cs) except \t \n \r.</summary>
    public static bool IsBertControl(int c)
    {
        if (c is '\t' or '\n' or '\r') return false;
        return Category(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
    }

    /// <summary>Unicode punctuation (Pc, Pd, Ps, Pe, Pi, Pf, Po).</summary>
    public static bool IsPunctuation(int c) => Category(c) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
        or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
        or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    /// <summary>BertPreTokenizer's punctuation: ASCII punctuation (which includes $+&lt;=&gt;^`|~) or Unicode punctuation.</summary>
    public static bool IsBertPunctuation(int c) =>
        c is >= 0x21 and <= 0x2F or >= 0x3A and <= 0x40 or >= 0x5B and <= 0x60 or >= 0x7B and <= 0x7E || IsPunctuation(c);

    /// <summary>The CJK ideograph blocks BertNormalizer pads with spaces.</summary>
    public static bool IsChineseChar(int c) => c is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
        or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B920 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF
        or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>General category of a code point (lone surrogates are Cs).</summary>
    public static UnicodeCategory Category(int c) =>
        c is >= 0xD800 and <= 0xDFFF ? UnicodeCategory.Surrogate : CharUnicodeInfo.GetUnicodeCategory(c);

    /// <summary>
    /// Rust's char::to_lowercase, which may expand: U+0130 (İ) becomes "i̇"; every other code point maps to one.
    /// No final-sigma rule (Rust applies it only to whole strings, tokenizers lowercases per char).
    /// </summary>
    public static void AppendLowercase(StringBuilder output, Rune rune)
    {
        if (rune.Value == 0x130) { output.Append("i\u0307"); return; }
        var lower = Rune.ToLowerInvariant(rune);
        output.Append(lower.ToString());
    }

    /// <summary>The code points of a string; a lone surrogate is its own code point, as in a lossy UTF-16 read.</summary>
    public static IEnumerable<Rune> Runes(string text)
    {
        for (int i = 0; i < text.Length;)
        {
            if (Rune.TryGetRuneAt(text, i, out var rune)) { yield return rune; i += rune.Utf16SequenceLength; }
            else { yield return Rune.ReplacementChar; i++; }
        }
    }
}
