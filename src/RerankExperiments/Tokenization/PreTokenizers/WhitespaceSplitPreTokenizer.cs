using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Text;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary><c>{"type":"WhitespaceSplit"}</c>: splits on Unicode White_Space characters, which are removed.</summary>
public sealed class WhitespaceSplitPreTokenizer : IPreTokenizer
{
    public static readonly WhitespaceSplitPreTokenizer Instance = new();

    WhitespaceSplitPreTokenizer() { }

    public static WhitespaceSplitPreTokenizer FromJson(TokenizerJson json) => Instance;

    public void Split(Piece piece, List<Piece> output) =>
        SplitDelimiter.Apply(piece, SplitDelimiter.MatchCodePoints(piece.Text, UnicodeClasses.IsWhitespace), SplitDelimiterBehavior.Removed, output);
}
