using RerankExperiments.Torch.Layers;
using RerankExperiments.Torch.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RerankExperiments.Modeling.Bert;

// BERT as transformers' BertForSequenceClassification, read top to bottom: config, embeddings, self-attention,
// the post-LN layer, the encoder, the pooler, the model, the classifier. Every submodule field is named as the
// transformers attribute, so the state dict has the Hugging Face names (bert.encoder.layer.0.attention.self.query.weight).
// The embeddings and encoder blocks are internal because XLM-RoBERTa reuses them under `roberta.`.

/// <summary>The fields of config.json the BERT layer stack reads, validated once so a bad value names its field.</summary>
internal sealed record BertEncoderConfig(
    int VocabSize, int HiddenSize, int NumHiddenLayers, int NumAttentionHeads, int IntermediateSize, string HiddenAct,
    int MaxPositionEmbeddings, int TypeVocabSize, double LayerNormEps, int PadTokenId, double InitializerRange,
    double HiddenDropoutProb, double AttentionProbsDropoutProb, double ClassifierDropout)
{
    /// <summary>The hidden_act values implemented (names as in transformers' ACT2FN).</summary>
    public static IReadOnlyList<string> SupportedActivations { get; } = ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish"];

    /// <summary>Width of one attention head, d = H / A.</summary>
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>
    /// Reads the fields, with transformers' class defaults where a field is absent (BertConfig and XLMRobertaConfig
    /// differ only in pad_token_id: 0 and 1).
    /// </summary>
    public static BertEncoderConfig Read(ModelConfig config, int defaultPadTokenId)
    {
        int vocab = Positive(config, "vocab_size", 30522);
        int hidden = Positive(config, "hidden_size", 768);
        int layers = Positive(config, "num_hidden_layers", 12);
        int heads = Positive(config, "num_attention_heads", 12);
        if (hidden % heads != 0)
            throw config.Invalid("hidden_size", $"{hidden} is not a multiple of num_attention_heads ({heads}); each head takes hidden_size / num_attention_heads features.");
        int intermediate = Positive(config, "intermediate_size", 3072);
        string act = config.OptionalString("hidden_act") ?? "gelu";
        if (!SupportedActivations.Contains(act))
            throw config.Invalid("hidden_act", $"'{act}' is not supported (supported: {string.Join(", ", SupportedActivations)}).");
        int positions = Positive(config, "max_position_embeddings", 512);
        int types = Positive(config, "type_vocab_size", 2);
        double eps = config.OptionalDouble("layer_norm_eps") ?? 1e-12;
        if (!(eps > 0)) throw config.Invalid("layer_norm_eps", $"{eps} is not positive.");
        int pad = config.OptionalInt("pad_token_id") ?? defaultPadTokenId;
        if (pad < 0 || pad >= vocab) throw config.Invalid("pad_token_id", $"{pad} is not a token id (vocab_size is {vocab}).");
        double init = config.OptionalDouble("initializer_range") ?? 0.02;
        if (!(init >= 0)) throw config.Invalid("initializer_range", $"{init} is negative.");
        double hiddenDropout = Probability(config, "hidden_dropout_prob", 0.1);
        double attentionDropout = Probability(config, "attention_probs_dropout_prob", 0.1);
        // transformers: classifier_dropout null means "use hidden_dropout_prob".
        double classifierDropout = Probability(config, "classifier_dropout", hiddenDropout);
        // Relative position schemes add parameters and change the scores; only the absolute table is implemented.
        string positionType = config.OptionalString("position_embedding_type") ?? "absolute";
        if (positionType != "absolute")
            throw config.Invalid("position_embedding_type", $"'{positionType}' is not supported (only 'absolute').");
        if (config.OptionalBool("add_cross_attention") == true)
            throw config.Invalid("add_cross_attention", "cross-attention (decoder use) is not supported by a cross-encoder.");
        if (config.NumLabels < 1)
            throw config.Invalid(config.Has("id2label") ? "id2label" : "num_labels", $"the model needs at least one label, found {config.NumLabels}.");
        return new BertEncoderConfig(vocab, hidden, layers, heads, intermediate, act, positions, types, eps, pad, init,
            hiddenDropout, attentionDropout, classifierDropout);
    }

    static int Positive(ModelConfig config, string name, int fallback)
    {
        int value = config.OptionalInt(name) ?? fallback;
        return value >= 1 ? value : throw config.Invalid(name, $"{value} is not positive.");
    }

    static double Probability(ModelConfig config, string name, double fallback)
    {
        double value = config.OptionalDouble(name) ?? fallback;
        return value is >= 0 and < 1 ? value : throw config.Invalid(name, $"{value} is not a dropout probability in [0, 1).");
    }
}

/// <summary>
/// x = LayerNorm(word_embeddings[ids] + position_embeddings[positions] + token_type_embeddings[types]), then dropout.
/// The caller supplies the positions: BERT counts 0, 1, 2, …; RoBERTa counts from pad_token_id + 1 and skips padding.
/// </summary>
internal sealed class BertEmbeddings : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly Embedding word_embeddings;
    readonly Embedding position_embeddings;
    readonly Embedding token_type_embeddings;
    readonly LayerNorm LayerNorm;
    readonly SeededDropout dropout;
    readonly long _wordPaddingIdx;
    readonly long? _positionPaddingIdx;

    public BertEmbeddings(BertEncoderConfig config, long? positionPaddingIdx = null) : base("BertEmbeddings")
    {
        word_embeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        position_embeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, padding_idx: positionPaddingIdx);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        dropout = new SeededDropout(config.HiddenDropoutProb);
        _wordPaddingIdx = config.PadTokenId;
        _positionPaddingIdx = positionPaddingIdx;
        RegisterComponents();
    }

    /// <summary>Zeroes the padding rows, as nn.Embedding(padding_idx) and transformers' _init_weights leave them.</summary>
    public void ZeroPaddingRows()
    {
        using var noGrad = no_grad();
        using (var row = word_embeddings.weight![_wordPaddingIdx]) row.zero_();
        if (_positionPaddingIdx is long index)
            using (var row = position_embeddings.weight![index]) row.zero_();
    }

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor positionIds)
    {
        using var scope = NewDisposeScope();
        var sum = TokenEmbeddingLookup.Forward(word_embeddings, inputIds, _wordPaddingIdx, training) + token_type_embeddings.forward(tokenTypeIds) + position_embeddings.forward(positionIds);
        return dropout.forward(LayerNorm.forward(sum)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Multi-head self-attention: q, k, v = x·Wᵀ + b split into A heads of width d; per head
/// softmax(q·kᵀ/√d + mask)·v; the heads concatenated back to [B, S, H].
/// </summary>
internal sealed class BertSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Linear query;
    readonly Linear key;
    readonly Linear value;
    readonly int _heads;
    readonly int _headSize;
    readonly double _dropout;

    public BertSelfAttention(BertEncoderConfig config) : base("BertSelfAttention")
    {
        query = nn.Linear(config.HiddenSize, config.HiddenSize);
        key = nn.Linear(config.HiddenSize, config.HiddenSize);
        value = nn.Linear(config.HiddenSize, config.HiddenSize);
        _heads = config.NumAttentionHeads;
        _headSize = config.HeadSize;
        _dropout = config.AttentionProbsDropoutProb;
        RegisterComponents();
    }

    /// <param name="hidden">[B, S, H]</param>
    /// <param name="additiveMask">[B, 1, 1, S]: 0 on tokens, the dtype's most negative value on padded keys.</param>
    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], length = hidden.shape[1];
        // The three projections as one [H → 3H] product over the concatenated weights: the same sums in one matrix
        // product call instead of three, forward and backward (11–17 % faster at a length-grouped MiniLM batch, bench
        // foundation); the parameters stay three linears, as transformers names them.
        var weight = cat([query.weight!, key.weight!, value.weight!], 0);
        var bias = cat([query.bias!, key.bias!, value.bias!], 0);
        // [B, S, 3H] → three [B, A, S, d] views, by one unbind: its backward stacks the three gradients into one
        // [B, S, 3, A, d] tensor, where three selects would each fill a zero tensor of that size and add them up.
        var qkv = nn.functional.linear(hidden, weight, bias).view(batch, length, 3, _heads, _headSize).unbind(2);
        Tensor Heads(int which) => qkv[which].transpose(1, 2);
        // Scaled by 1/√d, BERT's; the dropout on the probabilities is transformers' attention dropout.
        var context = Attention.ScaledDotProduct(Heads(0), Heads(1), Heads(2), additiveMask, _dropout, training);
        return context.transpose(1, 2).reshape(batch, length, _heads * _headSize).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// A post-LN residual block: LayerNorm(dropout(h·Wᵀ + b) + x), from h of width <c>inputSize</c> back to the hidden
/// size. transformers has two classes of this shape (BertSelfOutput after attention, BertOutput after the
/// feed-forward); their parameters are named alike (dense, LayerNorm), so one class serves both.
/// </summary>
internal sealed class BertResidualOutput : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Linear dense;
    readonly LayerNorm LayerNorm;
    readonly SeededDropout dropout;

    public BertResidualOutput(int inputSize, BertEncoderConfig config) : this(inputSize, config.HiddenSize, config.LayerNormEps, config.HiddenDropoutProb)
    {
    }

    /// <summary>The same block for another post-LN encoder (DeBERTa-v2 names its blocks alike).</summary>
    public BertResidualOutput(int inputSize, int hiddenSize, double layerNormEps, double dropoutProbability) : base("BertResidualOutput")
    {
        dense = nn.Linear(inputSize, hiddenSize);
        LayerNorm = nn.LayerNorm(hiddenSize, layerNormEps);
        dropout = new SeededDropout(dropoutProbability);
        RegisterComponents();
    }

    public override Tensor forward(Tensor transformed, Tensor input) => LayerNorm.forward(dropout.forward(dense.forward(transformed)) + input);
}

/// <summary>Self-attention with its residual block: the `attention` of a layer (names `self` and `output`).</summary>
internal sealed class BertAttention : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertSelfAttention self;
    readonly BertResidualOutput output;

    public BertAttention(BertEncoderConfig config) : base("BertAttention")
    {
        self = new BertSelfAttention(config);
        output = new BertResidualOutput(config.HiddenSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor additiveMask) => output.forward(self.forward(hidden, additiveMask), hidden);
}

/// <summary>The feed-forward expansion: act(x·W1ᵀ + b1), [B, S, H] → [B, S, I].</summary>
internal sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;
    readonly Func<Tensor, Tensor> _act;

    public BertIntermediate(BertEncoderConfig config) : this(config.HiddenSize, config.IntermediateSize, config.HiddenAct)
    {
    }

    /// <summary>The same block for another post-LN encoder (DeBERTa-v2 names it alike).</summary>
    public BertIntermediate(int hiddenSize, int intermediateSize, string hiddenAct) : base("BertIntermediate")
    {
        dense = nn.Linear(hiddenSize, intermediateSize);
        _act = Activation(hiddenAct);
        RegisterComponents();
    }

    /// <summary>
    /// transformers' ACT2FN: "gelu" is exact, 0.5·x·(1 + erf(x/√2)); "gelu_new" and "gelu_pytorch_tanh" are the tanh
    /// form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), which transformers computes in two ways that agree to rounding.
    /// "tanh" serves DeBERTa's pooler and convolution (BERT's config check does not offer it for hidden_act).
    /// </summary>
    public static Func<Tensor, Tensor> Activation(string name) => name switch
    {
        "gelu" => x => nn.functional.gelu(x, GELU.Approximate.none),
        "gelu_new" or "gelu_pytorch_tanh" => x => nn.functional.gelu(x, GELU.Approximate.tanh),
        "relu" => x => nn.functional.relu(x),
        "silu" or "swish" => x => nn.functional.silu(x),
        "tanh" => x => x.tanh(),
        _ => throw new ArgumentException($"hidden_act '{name}' is not supported.", nameof(name)),
    };

    public override Tensor forward(Tensor hidden) => _act(dense.forward(hidden));
}

/// <summary>One encoder layer: x = attention block(x), then x = feed-forward block(x).</summary>
internal sealed class BertLayer : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertAttention attention;
    readonly BertIntermediate intermediate;
    readonly BertResidualOutput output;

    public BertLayer(BertEncoderConfig config) : base("BertLayer")
    {
        attention = new BertAttention(config);
        intermediate = new BertIntermediate(config);
        output = new BertResidualOutput(config.IntermediateSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        // One scope per layer, so inference frees a layer's temporaries before the next layer runs (autograd keeps
        // what it saved by its own references).
        using var scope = NewDisposeScope();
        var attended = attention.forward(hidden, additiveMask);
        return output.forward(intermediate.forward(attended), attended).MoveToOuterDisposeScope();
    }
}

/// <summary>The layer stack (`layer.0`, `layer.1`, …) with the padding mask turned into an additive bias.</summary>
internal sealed class BertEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    readonly ModuleList<BertLayer> layer;

    public BertEncoder(BertEncoderConfig config) : base("BertEncoder")
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    /// <param name="hidden">[B, S, H] embeddings.</param>
    /// <param name="attentionMask">[B, S], 1 on tokens, 0 on padding.</param>
    public override Tensor forward(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var additive = AdditiveMask(attentionMask, hidden.dtype);
        foreach (var block in layer) hidden = block.forward(hidden, additive);
        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// (1 − mask)[:, None, None, :] · finfo(dtype).min, as transformers' eager path: padded keys get the most negative
    /// finite value, so exp underflows to exactly 0 for them, while a row with no token at all (a batch filler)
    /// still softmaxes to finite uniform weights instead of the NaN a −∞ or boolean mask gives.
    /// </summary>
    public static Tensor AdditiveMask(Tensor attentionMask, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var padded = attentionMask.eq(0).unsqueeze(1).unsqueeze(2);
        return zeros(padded.shape, dtype, attentionMask.device).masked_fill(padded, finfo(dtype).min).MoveToOuterDisposeScope();
    }
}

/// <summary>pooled = tanh(x[:, 0]·Wpᵀ + bp): the [CLS] vector through a dense layer, as BERT's next-sentence head was trained.</summary>
internal sealed class BertPooler : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;

    public BertPooler(BertEncoderConfig config) : base("BertPooler")
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var first = hidden.select(1, 0);
        using var projected = dense.forward(first);
        return projected.tanh();
    }
}

/// <summary>BertModel: embeddings (positions 0…S−1), encoder, pooler; returns the pooled [CLS] vector [B, H].</summary>
internal sealed class BertModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly BertEmbeddings embeddings;
    readonly BertEncoder encoder;
    readonly BertPooler pooler;

    public BertModel(BertEncoderConfig config) : base("BertModel")
    {
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config);
        pooler = new BertPooler(config);
        RegisterComponents();
    }

    internal BertEmbeddings Embeddings => embeddings;

    public override Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        return pooler.forward(LastHiddenState(inputIds, attentionMask, tokenTypeIds)).MoveToOuterDisposeScope();
    }

    /// <summary>The encoder's output [B, S, H], before the pooler.</summary>
    public Tensor LastHiddenState(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        // Absolute positions count every slot, padding included (transformers slices its arange buffer).
        var positions = arange(inputIds.shape[1], dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        return encoder.forward(embeddings.forward(inputIds, tokenTypeIds, positions), attentionMask).MoveToOuterDisposeScope();
    }
}

/// <summary>Checks and initialisation both architectures share.</summary>
internal static class BertParts
{
    /// <summary>
    /// Checks the three inputs have one [B, S] shape, integer ids, and S within the position table, so a wrong call
    /// is an exception naming the problem rather than an index error deep in libtorch.
    /// </summary>
    public static void CheckInputs(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, int maxLength)
    {
        if (inputIds.dim() != 2) throw new ArgumentException($"input_ids must be [batch, length]; got [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        foreach (var (tensor, name) in new[] { (inputIds, "input_ids"), (attentionMask, "attention_mask"), (tokenTypeIds, "token_type_ids") })
        {
            if (!tensor.shape.SequenceEqual(inputIds.shape))
                throw new ArgumentException($"{name} has shape [{string.Join(", ", tensor.shape)}], input_ids [{string.Join(", ", inputIds.shape)}].", name);
            if (tensor.dtype is not (ScalarType.Int64 or ScalarType.Int32))
                throw new ArgumentException($"{name} must hold integers (int64); got {tensor.dtype}.", name);
        }
        if (inputIds.shape[1] > maxLength)
            throw new ArgumentException($"input length {inputIds.shape[1]} exceeds the model's maximum of {maxLength} tokens.", nameof(inputIds));
    }

    /// <summary>
    /// transformers' _init_weights: Linear and Embedding weights ~ N(0, initializer_range), biases 0, LayerNorm
    /// weight 1 and bias 0; the caller then re-zeroes embedding padding rows.
    /// </summary>
    public static void Initialize(nn.Module model, double std)
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in model.named_modules())
        {
            switch (module)
            {
                case Linear linear:
                    nn.init.normal_(linear.weight, 0, std);
                    if (linear.bias is { } bias) nn.init.zeros_(bias);
                    break;
                case Embedding embedding:
                    nn.init.normal_(embedding.weight!, 0, std);
                    break;
                case LayerNorm norm:
                    nn.init.ones_(norm.weight);
                    if (norm.bias is { } normBias) nn.init.zeros_(normBias);
                    break;
            }
        }
    }
}

/// <summary>
/// BertForSequenceClassification: logits = dropout(pooled)·Wcᵀ + bc, with pooled from <see cref="BertModel"/>.
/// State dict: bert.embeddings.*, bert.encoder.layer.N.*, bert.pooler.dense.*, classifier.{weight,bias}.
/// </summary>
public sealed class BertForSequenceClassification : SequenceClassificationModel
{
    readonly BertModel bert;
    readonly SeededDropout dropout;
    readonly Linear classifier;
    readonly BertEncoderConfig _config;

    public BertForSequenceClassification(ModelConfig config) : base("BertForSequenceClassification", config)
    {
        _config = BertEncoderConfig.Read(config, defaultPadTokenId: 0);
        bert = new BertModel(_config);
        dropout = new SeededDropout(_config.ClassifierDropout);
        classifier = nn.Linear(_config.HiddenSize, config.NumLabels);
        RegisterComponents();
        BertParts.Initialize(this, _config.InitializerRange);
        bert.Embeddings.ZeroPaddingRows();
    }

    public override bool UsesTokenTypeIds => true;

    public override int MaxSequenceLength => _config.MaxPositionEmbeddings;

    /// <summary>Only the classifier: base BERT checkpoints already carry the pooler.</summary>
    public override bool IsHeadParameter(string name) => name.StartsWith("classifier.", StringComparison.Ordinal);

    /// <summary>Also the masked-LM and next-sentence heads (cls.*) of a pre-training checkpoint.</summary>
    public override bool IsIgnorableCheckpointTensor(string name) =>
        base.IsIgnorableCheckpointTensor(name) || name.StartsWith("cls.", StringComparison.Ordinal);

    /// <summary>The classifier and the pooler (which embeddings, pooled by sentence-transformers, do not use).</summary>
    public override bool IsOutsideBackbone(string name) => IsHeadParameter(name) || name.StartsWith("bert.pooler.", StringComparison.Ordinal);

    public override Tensor HiddenStates(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        BertParts.CheckInputs(inputIds, attentionMask, tokenTypeIds, MaxSequenceLength);
        return bert.LastHiddenState(inputIds, attentionMask, tokenTypeIds);
    }

    public override Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        BertParts.CheckInputs(inputIds, attentionMask, tokenTypeIds, MaxSequenceLength);
        using var scope = NewDisposeScope();
        var pooled = bert.forward(inputIds, attentionMask, tokenTypeIds);
        return classifier.forward(dropout.forward(pooled)).MoveToOuterDisposeScope();
    }
}
