using System.Text;

namespace RerankExperiments.Tokenization.Normalizers;

/// <summary>NFC, NFD, NFKC or NFKD (the types of the same names).</summary>
public sealed record UnicodeFormNormalizer(NormalizationForm Form) : INormalizer
{
    public string Normalize(string text)
    {
        try
        {
            return text.Normalize(Form);
        }
        catch (ArgumentException)
        {
            // A lone surrogate (impossible in a Rust string): repair it to U+FFFD as a UTF-8 round trip would.
            return Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)).Normalize(Form);
        }
    }
}
