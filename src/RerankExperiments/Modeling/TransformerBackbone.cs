using RerankExperiments.Tokenization;
using static TorchSharp.torch;

namespace RerankExperiments.Modeling;

/// <summary>
/// The encoder of a Hugging Face model folder without its task head: what transformers' AutoModel loads and
/// sentence-transformers' Transformer module wraps. The architecture is the cross-encoder's own
/// (<see cref="SequenceClassificationModel.HiddenStates"/>), so BERT, XLM-R and ModernBERT exist once; a head the
/// checkpoint lacks is left random and never run.
/// </summary>
public sealed class TransformerBackbone : IDisposable
{
    TransformerBackbone(SequenceClassificationModel model, Tokenizer tokenizer, string directory)
    {
        Model = model;
        Tokenizer = tokenizer;
        Directory = directory;
    }

    public SequenceClassificationModel Model { get; }
    public Tokenizer Tokenizer { get; }

    /// <summary>The folder the model was loaded from (absolute).</summary>
    public string Directory { get; }

    /// <summary>The longest input: the tokenizer's model_max_length, capped by the position scheme.</summary>
    public int MaxLength => Math.Min(Tokenizer.ModelMaxLength ?? int.MaxValue, Model.MaxSequenceLength);

    /// <summary>The device the weights are on.</summary>
    public Device Device => Model.parameters().First().device;

    /// <summary>
    /// Loads config.json, the tokenizer and safetensors weights of <paramref name="directory"/> (a bare encoder as
    /// sentence-transformers saves it, or a full *ForSequenceClassification checkpoint), in eval mode.
    /// </summary>
    public static TransformerBackbone Load(string directory, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var (model, tokenizer, _) = CrossEncoder.LoadParts(directory, dtype, device, (m, name) => m.IsOutsideBackbone(name));
        return new TransformerBackbone(model, tokenizer, Path.GetFullPath(directory));
    }

    /// <summary>last_hidden_state [B, S, H] (see <see cref="SequenceClassificationModel.HiddenStates"/>).</summary>
    public Tensor HiddenStates(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds) => Model.HiddenStates(inputIds, attentionMask, tokenTypeIds);

    public void Dispose() => Model.Dispose();
}
