using System.Text;
using RerankExperiments.Tokenization.Text;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>BERT's pre-tokenizer: splits on whitespace (dropped) and isolates every punctuation character.</summary>
public sealed class BertPreTokenizer : IPreTokenizer
{
    public void Split(Piece piece, List<Piece> output)
    {
        string text = piece.Text;
        int start = -1;
        bool first = piece.AtStart;
        void Emit(int from, int to)
        {
            output.Add(new Piece(text[from..to], first && from == 0));
        }
        for (int i = 0; i < text.Length;)
        {
            int length = char.IsSurrogatePair(text, i) ? 2 : 1;
            int c = length == 2 ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];
            if (UnicodeClasses.IsWhitespace(c))
            {
                if (start >= 0) Emit(start, i);
                start = -1;
            }
            else if (UnicodeClasses.IsBertPunctuation(c))
            {
                if (start >= 0) Emit(start, i);
                Emit(i, i + length);
                start = -1;
            }
            else if (start < 0) start = i;
            i += length;
        }
        if (start >= 0) Emit(start, text.Length);
    }
}
