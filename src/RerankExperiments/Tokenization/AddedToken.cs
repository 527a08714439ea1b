using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization;

/// <summary>
/// A token matched in the text before the model runs (tokenizer.json <c>added_tokens</c>): special tokens such
/// as [CLS] or &lt;mask&gt;, and user-added words. <see cref="Normalized"/> tokens are matched in normalized text,
/// the others in raw text; <see cref="LStrip"/>/<see cref="RStrip"/> swallow the whitespace beside a match;
/// <see cref="SingleWord"/> tokens match only between non-word characters.
/// </summary>
public sealed record AddedToken(int Id, string Content, bool Special = true, bool SingleWord = false, bool LStrip = false, bool RStrip = false, bool Normalized = false)
{
    public static AddedToken FromJson(TokenizerJson json) => new(
        json.Required("id").AsInt(), json.String("content"), json.Bool("special", false), json.Bool("single_word", false),
        json.Bool("lstrip", false), json.Bool("rstrip", false), json.Bool("normalized", !json.Bool("special", false)));
}
