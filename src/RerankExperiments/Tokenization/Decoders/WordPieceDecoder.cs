using System.Text;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Decoders;

/// <summary>
/// WordPiece decoding: tokens joined by spaces, a continuation ("##ing") glued to the previous token, then —
/// with cleanup — the spaces tokenization put before punctuation and English contractions removed.
/// </summary>
public sealed record WordPieceDecoder(string Prefix = "##", bool Cleanup = true) : IDecoder
{
    public static WordPieceDecoder FromJson(TokenizerJson json) => new(json.OptionalString("prefix") ?? "##", json.Bool("cleanup", true));

    public string Decode(IReadOnlyList<string> tokens)
    {
        var text = new StringBuilder();
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            if (i > 0 && token.StartsWith(Prefix, StringComparison.Ordinal)) text.Append(token.AsSpan(Prefix.Length));
            else
            {
                if (i > 0) text.Append(' ');
                text.Append(token);
            }
        }
        return Cleanup ? CleanUp(text.ToString()) : text.ToString();
    }

    /// <summary>tokenizers' cleanup of tokenization spaces.</summary>
    public static string CleanUp(string text) => text
        .Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
        .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" do not", " don't").Replace(" 's", "'s")
        .Replace(" 've", "'ve").Replace(" 're", "'re");
}
