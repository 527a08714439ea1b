namespace RerankExperiments.Tokenization.PostProcessors;

/// <summary>Applies post-processors in order to the list of encodings.</summary>
public sealed class SequencePostProcessor(IReadOnlyList<IPostProcessor> processors) : IPostProcessor
{
    public IReadOnlyList<IPostProcessor> Processors { get; } = processors;

    public int AddedTokens(bool isPair) => Processors.Sum(p => p.AddedTokens(isPair));

    public List<TokenSequence> Process(List<TokenSequence> sequences)
    {
        foreach (var processor in Processors) sequences = processor.Process(sequences);
        return sequences;
    }
}
