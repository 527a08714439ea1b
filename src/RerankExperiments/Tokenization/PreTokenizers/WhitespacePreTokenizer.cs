using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Text;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>
/// <c>{"type":"Whitespace"}</c>: keeps the matches of <c>\w+|[^\w\s]+</c> (Rust regex semantics: Unicode word
/// characters, White_Space) and drops what lies between them, so words and runs of punctuation become pieces.
/// </summary>
public sealed class WhitespacePreTokenizer : IPreTokenizer
{
    public static readonly WhitespacePreTokenizer Instance = new();

    WhitespacePreTokenizer() { }

    public static WhitespacePreTokenizer FromJson(TokenizerJson json) => Instance;

    public void Split(Piece piece, List<Piece> output)
    {
        string text = piece.Text;
        var matches = new List<(int, int)>();
        int i = 0;
        while (i < text.Length)
        {
            var (cp, length) = SplitClasses.At(text, i);
            if (UnicodeClasses.IsWhitespace(cp)) { i += length; continue; }
            // A match is a maximal run of one kind: word characters, or characters that are neither word nor space.
            bool word = SplitClasses.IsRustWord(cp);
            int start = i;
            i += length;
            while (i < text.Length)
            {
                var (next, nextLength) = SplitClasses.At(text, i);
                bool sameKind = word ? SplitClasses.IsRustWord(next) : !SplitClasses.IsRustWord(next) && !UnicodeClasses.IsWhitespace(next);
                if (!sameKind) break;
                i += nextLength;
            }
            matches.Add((start, i));
        }
        // tokenizers inverts the word pattern and removes the (inverted) matches, i.e. keeps the words.
        var segments = SplitDelimiter.Invert(SplitDelimiter.FromMatches(text, matches));
        SplitDelimiter.Apply(piece, segments, SplitDelimiterBehavior.Removed, output);
    }
}
