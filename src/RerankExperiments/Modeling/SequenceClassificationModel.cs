using static TorchSharp.torch;

namespace RerankExperiments.Modeling;

/// <summary>
/// A cross-encoder: a transformer encoder with a classification head, as transformers'
/// *ForSequenceClassification. Submodules are named as in transformers, so the module's state dict has the
/// Hugging Face names and checkpoints load and save name for name.
/// </summary>
/// <remarks>
/// forward(input_ids [B,S] int64, attention_mask [B,S] int64 (1 = token, 0 = padding), token_type_ids [B,S] int64
/// (zeros for models without token types)) → logits [B, num_labels] in the model's dtype. Dropout is part of the
/// module and follows train()/eval().
/// </remarks>
public abstract class SequenceClassificationModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    protected SequenceClassificationModel(string name, ModelConfig config) : base(name)
    {
        Config = config;
    }

    /// <summary>The config the model was built from.</summary>
    public ModelConfig Config { get; }

    /// <summary>Number of logits per input.</summary>
    public int NumLabels => Config.NumLabels;

    /// <summary>Whether token_type_ids change the output (BERT: yes; XLM-R with one type, ModernBERT: no).</summary>
    public abstract bool UsesTokenTypeIds { get; }

    /// <summary>The longest input the position scheme allows (BERT: max_position_embeddings; XLM-R: that − pad − 1).</summary>
    public abstract int MaxSequenceLength { get; }

    /// <summary>
    /// Unexpected checkpoint tensors a load may ignore (e.g. the position_ids buffer old BERT files carry, or a
    /// masked-LM decoder when a base checkpoint starts a fine-tune).
    /// </summary>
    public virtual bool IsIgnorableCheckpointTensor(string name) => name.EndsWith("embeddings.position_ids", StringComparison.Ordinal);

    /// <summary>Parameters that belong to the task head, which a base (non-classification) checkpoint does not have.</summary>
    public abstract bool IsHeadParameter(string name);

    /// <summary>
    /// Parameters <see cref="HiddenStates"/> does not use (the head, and BERT's pooler), which an embedding model's
    /// checkpoint may lack: sentence-transformers saves a bare encoder, sometimes without the pooler.
    /// </summary>
    public virtual bool IsOutsideBackbone(string name) => IsHeadParameter(name);

    /// <summary>
    /// The backbone's last hidden states [B, S, H] for the same inputs as forward, before any pooler or head (what
    /// transformers' AutoModel returns as last_hidden_state and sentence-transformers pools into embeddings).
    /// </summary>
    public abstract Tensor HiddenStates(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds);
}
