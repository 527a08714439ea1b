using System.Globalization;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>
/// <c>{"type":"Digits","individual_digits":bool}</c>: separates numeric characters (Nd, Nl, No) from the rest;
/// each one alone when <c>individual_digits</c>, else runs of them together.
/// </summary>
public sealed class DigitsPreTokenizer(bool individualDigits) : IPreTokenizer
{
    public bool IndividualDigits { get; } = individualDigits;

    public static DigitsPreTokenizer FromJson(TokenizerJson json) => new(json.Bool("individual_digits", false));

    public void Split(Piece piece, List<Piece> output) =>
        SplitDelimiter.Apply(piece,
            SplitDelimiter.MatchCodePoints(piece.Text, cp => SplitClasses.IsNumber(CharUnicodeInfo.GetUnicodeCategory(cp))),
            IndividualDigits ? SplitDelimiterBehavior.Isolated : SplitDelimiterBehavior.Contiguous, output);
}
