using System.Text;
using RerankExperiments.Tokenization.Text;

namespace RerankExperiments.Tokenization.Normalizers;

/// <summary>Lowercases per code point with Rust's mapping (see <see cref="UnicodeClasses.AppendLowercase"/>).</summary>
public sealed class LowercaseNormalizer : INormalizer
{
    public string Normalize(string text) => Lower(text);

    public static string Lower(string text)
    {
        var output = new StringBuilder(text.Length);
        foreach (var rune in UnicodeClasses.Runes(text)) UnicodeClasses.AppendLowercase(output, rune);
        return output.ToString();
    }
}
