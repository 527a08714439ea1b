using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Text;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>
/// <c>{"type":"Punctuation","behavior":...}</c> (behavior defaults to Isolated): each punctuation character (ASCII
/// punctuation or a Unicode P* category) is a delimiter, handled by the behaviour.
/// </summary>
public sealed class PunctuationPreTokenizer(SplitDelimiterBehavior behavior) : IPreTokenizer
{
    public SplitDelimiterBehavior Behavior { get; } = behavior;

    public static PunctuationPreTokenizer FromJson(TokenizerJson json) =>
        new(SplitDelimiter.Read(json, "behavior", SplitDelimiterBehavior.Isolated));

    public void Split(Piece piece, List<Piece> output) =>
        SplitDelimiter.Apply(piece, SplitDelimiter.MatchCodePoints(piece.Text, UnicodeClasses.IsBertPunctuation), Behavior, output);
}
