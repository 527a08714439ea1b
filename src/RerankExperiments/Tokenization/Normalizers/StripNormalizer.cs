using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Text;

namespace RerankExperiments.Tokenization.Normalizers;

/// <summary>Removes leading and/or trailing whitespace (Rust's White_Space).</summary>
public sealed record StripNormalizer(bool Left, bool Right) : INormalizer
{
    public static StripNormalizer FromJson(TokenizerJson json) => new(json.Bool("strip_left", true), json.Bool("strip_right", true));

    public string Normalize(string text)
    {
        int start = 0, end = text.Length;
        if (Left)
            while (start < end && UnicodeClasses.IsWhitespace(text[start])) start++;
        if (Right)
            while (end > start && UnicodeClasses.IsWhitespace(text[end - 1])) end--;
        return text[start..end];
    }
}
