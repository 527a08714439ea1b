using System.Globalization;
using System.Text;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Text;

namespace RerankExperiments.Tokenization.Normalizers;

/// <summary>
/// BERT's normalizer, in tokenizers' order: clean_text (drop U+0000, U+FFFD and control characters, map
/// whitespace to ' '), handle_chinese_chars (space-pad CJK ideographs), strip_accents (NFD, drop Mn marks; when
/// null it follows lowercase), lowercase (per code point, Rust's mapping).
/// </summary>
public sealed record BertNormalizer(bool CleanText = true, bool HandleChineseChars = true, bool? StripAccents = null, bool Lowercase = true) : INormalizer
{
    public static BertNormalizer FromJson(TokenizerJson json)
    {
        bool? stripAccents = json.Optional("strip_accents")?.AsBool();
        return new BertNormalizer(json.Bool("clean_text", true), json.Bool("handle_chinese_chars", true), stripAccents, json.Bool("lowercase", true));
    }

    public string Normalize(string text)
    {
        var output = new StringBuilder(text.Length + 8);
        foreach (var rune in UnicodeClasses.Runes(text))
        {
            int c = rune.Value;
            if (CleanText)
            {
                if (c is 0 or 0xFFFD || UnicodeClasses.IsBertControl(c)) continue;
                if (UnicodeClasses.IsBertWhitespace(c)) { output.Append(' '); continue; }
            }
            if (HandleChineseChars && UnicodeClasses.IsChineseChar(c)) output.Append(' ').Append(rune.ToString()).Append(' ');
            else output.Append(rune.ToString());
        }
        string result = output.ToString();
        if (StripAccents ?? Lowercase) result = StripAccentsNormalizer.StripForBert(result);
        if (Lowercase) result = LowercaseNormalizer.Lower(result);
        return result;
    }
}
