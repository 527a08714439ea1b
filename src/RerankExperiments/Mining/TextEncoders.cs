using static TorchSharp.torch;

namespace RerankExperiments.Mining;

/// <summary>Opens the right <see cref="ITextEncoder"/> for a model folder.</summary>
public static class TextEncoders
{
    /// <summary>
    /// A StaticEmbedding or transformer encoder for <paramref name="directory"/>, as its modules.json says (see
    /// <see cref="SentenceTransformerLayout"/>), on <paramref name="device"/> (CPU when null).
    /// </summary>
    public static ITextEncoder Load(string directory, TextEncoderOptions? options = null, Device? device = null)
    {
        var layout = SentenceTransformerLayout.Read(directory);
        return layout.Kind == EmbeddingModelKind.StaticEmbedding
            ? StaticEmbeddingEncoder.Load(layout.ModelDirectory, options, device)
            : TransformerTextEncoder.Load(layout, options, device);
    }
}
