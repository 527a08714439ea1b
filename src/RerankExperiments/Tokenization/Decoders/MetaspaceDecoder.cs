using System.Text;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.PreTokenizers;

namespace RerankExperiments.Tokenization.Decoders;

/// <summary>
/// Undoes Metaspace (<c>{"type":"Metaspace",...}</c>, the pre-tokenizer's JSON). Rule, as in tokenizers: every
/// replacement character becomes a space, except in the first token when the prepend scheme is not never, where
/// every replacement character is removed (not only the leading one); the tokens are then concatenated.
/// </summary>
public sealed class MetaspaceDecoder(MetaspaceSettings settings) : IDecoder
{
    public MetaspaceSettings Settings { get; } = settings;

    public static MetaspaceDecoder FromJson(TokenizerJson json) => new(MetaspaceSettings.FromJson(json));

    public string Decode(IReadOnlyList<string> tokens)
    {
        var output = new StringBuilder();
        for (int i = 0; i < tokens.Count; i++)
        {
            string replaced = i == 0 && Settings.PrependScheme != PrependScheme.Never ? "" : " ";
            output.Append(tokens[i].Replace(Settings.Replacement, replaced, StringComparison.Ordinal));
        }
        return output.ToString();
    }
}
