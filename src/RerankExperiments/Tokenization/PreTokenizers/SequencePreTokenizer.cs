namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>Applies pre-tokenizers in order, each to every piece the previous one produced.</summary>
public sealed class SequencePreTokenizer(IReadOnlyList<IPreTokenizer> preTokenizers) : IPreTokenizer
{
    public IReadOnlyList<IPreTokenizer> PreTokenizers { get; } = preTokenizers;

    public void Split(Piece piece, List<Piece> output)
    {
        var current = new List<Piece> { piece };
        var next = new List<Piece>();
        foreach (var preTokenizer in PreTokenizers)
        {
            next.Clear();
            foreach (var p in current) preTokenizer.Split(p, next);
            (current, next) = (next, current);
        }
        output.AddRange(current);
    }
}
