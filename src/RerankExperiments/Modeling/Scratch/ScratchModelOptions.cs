namespace RerankExperiments.Modeling.Scratch;

/// <summary>
/// A model trained from scratch: a BERT cross-encoder of the given shape (field names as config.json spells them),
/// randomly initialised from <paramref name="Seed"/> (weights ~ normal(0, <paramref name="InitializerRange"/>), as transformers does), with a WordPiece tokenizer of up to
/// <paramref name="VocabularySize"/> tokens trained on the training texts (BERT normalization, lowercased when
/// <paramref name="Lowercase"/>; pairs seen fewer than <paramref name="MinFrequency"/> times are not merged).
/// </summary>
public sealed record ScratchModelOptions(
    string Architecture = "bert",
    int HiddenSize = 128,
    int NumHiddenLayers = 2,
    int NumAttentionHeads = 2,
    int IntermediateSize = 512,
    int MaxPositionEmbeddings = 512,
    double Dropout = 0.1,
    double InitializerRange = 0.02,
    int VocabularySize = 8000,
    bool Lowercase = true,
    long MinFrequency = 2,
    long Seed = 42)
{
    public static readonly IReadOnlyList<string> Architectures = ["bert"];

    /// <summary>
    /// Parameters of the BERT cross-encoder this builds with a full vocabulary (an upper bound: the trained vocabulary
    /// may be smaller): embeddings, per layer attention, feed-forward and two layer norms, the pooler, a 1-label head.
    /// </summary>
    public long EstimatedParameterCount
    {
        get
        {
            long h = HiddenSize, i = IntermediateSize;
            long embeddings = ((long)VocabularySize + MaxPositionEmbeddings + 2) * h + 2 * h;
            long layer = 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h;
            return embeddings + NumHiddenLayers * layer + (h * h + h) + (h + 1);
        }
    }

    public ScratchModelOptions Validated()
    {
        if (!Architectures.Contains(Architecture)) throw new ArgumentOutOfRangeException(nameof(Architecture), Architecture, $"must be one of {string.Join(", ", Architectures)}");
        if (HiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(HiddenSize), HiddenSize, "must be ≥ 1");
        if (NumHiddenLayers < 1) throw new ArgumentOutOfRangeException(nameof(NumHiddenLayers), NumHiddenLayers, "must be ≥ 1");
        if (NumAttentionHeads < 1 || HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentOutOfRangeException(nameof(NumAttentionHeads), NumAttentionHeads, $"must divide hidden_size ({HiddenSize})");
        if (IntermediateSize < 1) throw new ArgumentOutOfRangeException(nameof(IntermediateSize), IntermediateSize, "must be ≥ 1");
        if (MaxPositionEmbeddings < 2) throw new ArgumentOutOfRangeException(nameof(MaxPositionEmbeddings), MaxPositionEmbeddings, "must be ≥ 2");
        if (InitializerRange <= 0) throw new ArgumentOutOfRangeException(nameof(InitializerRange), InitializerRange, "must be > 0");
        if (Dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "must be in [0, 1)");
        if (VocabularySize < 100) throw new ArgumentOutOfRangeException(nameof(VocabularySize), VocabularySize, "must be ≥ 100");
        if (MinFrequency < 0) throw new ArgumentOutOfRangeException(nameof(MinFrequency), MinFrequency, "must be ≥ 0");
        return this;
    }
}
