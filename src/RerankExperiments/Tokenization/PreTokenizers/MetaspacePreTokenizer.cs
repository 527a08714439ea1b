using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>
/// sentencepiece's word marking (<c>{"type":"Metaspace",...}</c>, see <see cref="MetaspaceSettings"/>).
/// Rule, per piece: every U+0020 becomes the replacement; then the replacement is prepended when the (non-empty)
/// piece does not already start with it and the scheme is always, or first and the piece is at the start of the
/// sequence; then, when <c>split</c>, the piece is cut before every replacement character (tokenizers'
/// MergedWithNext: the marker stays with the text after it, so "▁▁a" gives "▁", "▁a"). Empty pieces are
/// dropped. Only the first output piece of a piece at the start keeps <see cref="Piece.AtStart"/>.
/// </summary>
public sealed class MetaspacePreTokenizer(MetaspaceSettings settings) : IPreTokenizer
{
    public MetaspaceSettings Settings { get; } = settings;

    public static MetaspacePreTokenizer FromJson(TokenizerJson json) => new(MetaspaceSettings.FromJson(json));

    public void Split(Piece piece, List<Piece> output)
    {
        string replacement = Settings.Replacement;
        string text = piece.Text.Replace(" ", replacement, StringComparison.Ordinal);
        if (text.Length == 0) return;
        bool prepend = Settings.PrependScheme switch
        {
            PrependScheme.Always => true,
            PrependScheme.First => piece.AtStart,
            _ => false,
        };
        if (prepend && !text.StartsWith(replacement, StringComparison.Ordinal)) text = replacement + text;
        if (!Settings.Split)
        {
            output.Add(new Piece(text, piece.AtStart));
            return;
        }

        bool atStart = piece.AtStart;
        int start = 0;
        while (start < text.Length)
        {
            // The next piece ends where the next marker after its first character begins.
            int next = text.IndexOf(replacement, start + 1, StringComparison.Ordinal);
            int end = next < 0 ? text.Length : next;
            output.Add(new Piece(text[start..end], atStart));
            atStart = false;
            start = end;
        }
    }
}
