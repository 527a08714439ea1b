using System.Text.Json;
using System.Text.Json.Nodes;
using RerankExperiments.Modeling.Bert;
using RerankExperiments.Torch.Layers;
using RerankExperiments.Torch.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RerankExperiments.Modeling.DebertaV2;

// DeBERTa-v2 and -v3 (He et al. 2021, 2023) as transformers' DebertaV2ForSequenceClassification (model_type
// "deberta-v2"), read top to bottom: config → relative positions → embeddings → disentangled self-attention → the
// post-LN layer → the optional convolution → the encoder → the context pooler → the classifier. Submodule fields
// carry transformers' attribute names, so the state dict is the Hugging Face one name for name
// (deberta.encoder.layer.0.attention.self.query_proj.weight, deberta.encoder.rel_embeddings.weight, pooler.dense.*).
// Absent parts (position table, token types, embed_proj, pos_*_proj, rel_embeddings, conv) are null fields, which
// TorchSharp does not register, so they are absent from the state dict as in transformers. The residual blocks
// (attention.output, output) and the feed-forward (intermediate) are BERT's, named alike: BertResidualOutput and
// BertIntermediate in BertForSequenceClassification.cs.

/// <summary>
/// The fields of config.json DeBERTa-v2 reads, validated once so a bad value names its field. Defaults are
/// DebertaV2Config's (a deberta-v2-xxlarge shape); fields the class does not declare (position_buckets,
/// share_att_key, norm_rel_ebd, embedding_size, conv_*) take the defaults transformers' getattr calls give them.
/// </summary>
public sealed record DebertaV2Settings
{
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int IntermediateSize { get; init; }
    public required string HiddenAct { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    /// <summary>0: no token-type table, and token_type_ids never reach the model.</summary>
    public required int TypeVocabSize { get; init; }
    public required double LayerNormEps { get; init; }
    public required int PadTokenId { get; init; }
    public required double InitializerRange { get; init; }
    /// <summary>embedding_size E; when E ≠ hidden_size, embed_proj (no bias) maps E to H after the sums.</summary>
    public required int EmbeddingSize { get; init; }
    /// <summary>Whether absolute position embeddings are added to the word embeddings (v3: false).</summary>
    public required bool PositionBiasedInput { get; init; }
    public required bool RelativeAttention { get; init; }
    /// <summary>max_relative_positions after transformers' rule (&lt; 1 means max_position_embeddings).</summary>
    public required int MaxRelativePositions { get; init; }
    /// <summary>position_buckets; ≤ 0 means distances are used as they are (no log buckets).</summary>
    public required int PositionBuckets { get; init; }
    /// <summary>Whether the relative-position terms use the content query_proj/key_proj (v3) or their own pos_*_proj.</summary>
    public required bool ShareAttKey { get; init; }
    /// <summary>Content-to-position term (q_i · K_r[δ(i,j)]).</summary>
    public required bool C2P { get; init; }
    /// <summary>Position-to-content term (k_j · Q_r[δ(i,j)]).</summary>
    public required bool P2C { get; init; }
    /// <summary>"layer_norm" in norm_rel_ebd: the relative-position table passes through deberta.encoder.LayerNorm.</summary>
    public required bool NormalizeRelativeEmbeddings { get; init; }
    public required string PoolerHiddenAct { get; init; }
    public required int ConvKernelSize { get; init; }
    public required int ConvGroups { get; init; }
    public required string ConvAct { get; init; }
    public required double HiddenDropoutProb { get; init; }
    public required double AttentionProbsDropoutProb { get; init; }
    public required double PoolerDropout { get; init; }
    /// <summary>cls_dropout, or hidden_dropout_prob when absent or null.</summary>
    public required double ClassifierDropout { get; init; }

    /// <summary>Width of one head, d = H / A.</summary>
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>
    /// att_span: the rows on each side of distance 0 in the relative table (position_buckets when bucketing, else
    /// max_relative_positions); rel_embeddings has 2·span rows.
    /// </summary>
    public int AttentionSpan => PositionBuckets > 0 ? PositionBuckets : MaxRelativePositions;

    /// <summary>1 + [c2p] + [p2c]: every score term is divided by √(d · factor), counted even without relative attention.</summary>
    public int ScaleFactor => 1 + (C2P ? 1 : 0) + (P2C ? 1 : 0);

    /// <summary>Activation names (transformers' ACT2FN) this port implements.</summary>
    public static IReadOnlyList<string> SupportedActivations { get; } = ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish", "tanh"];

    public static DebertaV2Settings Read(ModelConfig config)
    {
        int Positive(string name, int fallback)
        {
            int value = config.OptionalInt(name) ?? fallback;
            return value >= 1 ? value : throw config.Invalid(name, $"{value} is not positive.");
        }
        double Probability(string name, double fallback)
        {
            double value = config.OptionalDouble(name) ?? fallback;
            return value is >= 0 and < 1 ? value : throw config.Invalid(name, $"{value} is not a dropout probability in [0, 1).");
        }
        string Activation(string name, string fallback)
        {
            string value = config.OptionalString(name) ?? fallback;
            return SupportedActivations.Contains(value) ? value
                : throw config.Invalid(name, $"'{value}' is not supported (supported: {string.Join(", ", SupportedActivations)}).");
        }

        int vocab = Positive("vocab_size", 128100);
        int hidden = Positive("hidden_size", 1536);
        int heads = Positive("num_attention_heads", 24);
        if (hidden % heads != 0)
            throw config.Invalid("hidden_size", $"{hidden} is not a multiple of num_attention_heads ({heads}); each head takes hidden_size / num_attention_heads features.");
        // transformers reads attention_head_size when present; its output projection is hidden × hidden, so only
        // hidden / heads works.
        if (config.OptionalInt("attention_head_size") is int headSize && headSize != hidden / heads)
            throw config.Invalid("attention_head_size", $"{headSize} ≠ hidden_size / num_attention_heads = {hidden / heads}; the attention output projection needs heads × head size = hidden_size.");
        int positions = Positive("max_position_embeddings", 512);
        int types = config.OptionalInt("type_vocab_size") ?? 0;
        if (types < 0) throw config.Invalid("type_vocab_size", $"{types} is negative (0 means no token types).");
        double eps = config.OptionalDouble("layer_norm_eps") ?? 1e-7;
        if (!(eps > 0)) throw config.Invalid("layer_norm_eps", $"{eps} is not positive.");
        int pad = config.OptionalInt("pad_token_id") ?? 0;
        if (pad < 0 || pad >= vocab) throw config.Invalid("pad_token_id", $"{pad} is not a token id (vocab_size is {vocab}).");
        double init = config.OptionalDouble("initializer_range") ?? 0.02;
        if (!(init >= 0)) throw config.Invalid("initializer_range", $"{init} is negative.");
        int pooler = config.OptionalInt("pooler_hidden_size") ?? hidden;
        // ContextPooler's dense is pooler × pooler on the hidden state of token 0, and the classifier reads hidden_size.
        if (pooler != hidden) throw config.Invalid("pooler_hidden_size", $"{pooler} ≠ hidden_size {hidden}; the pooler maps the [CLS] state (hidden_size wide) to itself.");

        bool relative = config.OptionalBool("relative_attention") ?? false;
        int maxRelative = config.OptionalInt("max_relative_positions") ?? -1;
        if (maxRelative < 1) maxRelative = positions;
        int buckets = config.OptionalInt("position_buckets") ?? -1;
        if (relative && buckets > 0)
        {
            // The log-bucket formula divides by ln((max_relative_positions − 1) / (position_buckets / 2)).
            if (buckets < 2) throw config.Invalid("position_buckets", $"{buckets} leaves no linear range (position_buckets / 2 must be at least 1).");
            if (maxRelative - 1 <= buckets / 2)
                throw config.Invalid("max_relative_positions",
                    $"{maxRelative} must exceed position_buckets / 2 + 1 = {buckets / 2 + 1}; the log buckets cover distances from position_buckets / 2 to max_relative_positions − 1.");
        }
        var (c2p, p2c) = AttentionTypes(config);
        int kernel = config.OptionalInt("conv_kernel_size") ?? 0;
        int groups = Positive("conv_groups", 1);
        if (kernel < 0) throw config.Invalid("conv_kernel_size", $"{kernel} is negative (0 means no convolution layer).");
        if (kernel > 0 && kernel % 2 == 0)
            throw config.Invalid("conv_kernel_size", $"{kernel} is even; padding (k − 1) / 2 keeps the sequence length only for odd kernels.");
        if (kernel > 0 && hidden % groups != 0) throw config.Invalid("conv_groups", $"{groups} does not divide hidden_size {hidden}.");
        if (config.NumLabels < 1)
            throw config.Invalid(config.Has("id2label") ? "id2label" : "num_labels", $"the model needs at least one label, found {config.NumLabels}.");
        double hiddenDropout = Probability("hidden_dropout_prob", 0.1);

        return new DebertaV2Settings
        {
            VocabSize = vocab,
            HiddenSize = hidden,
            NumHiddenLayers = Positive("num_hidden_layers", 24),
            NumAttentionHeads = heads,
            IntermediateSize = Positive("intermediate_size", 6144),
            HiddenAct = Activation("hidden_act", "gelu"),
            MaxPositionEmbeddings = positions,
            TypeVocabSize = types,
            LayerNormEps = eps,
            PadTokenId = pad,
            InitializerRange = init,
            EmbeddingSize = Positive("embedding_size", hidden),
            PositionBiasedInput = config.OptionalBool("position_biased_input") ?? true,
            RelativeAttention = relative,
            MaxRelativePositions = maxRelative,
            PositionBuckets = buckets,
            ShareAttKey = config.OptionalBool("share_att_key") ?? false,
            C2P = c2p,
            P2C = p2c,
            NormalizeRelativeEmbeddings = NormRelEbd(config),
            PoolerHiddenAct = Activation("pooler_hidden_act", "gelu"),
            ConvKernelSize = kernel,
            ConvGroups = groups,
            ConvAct = Activation("conv_act", "tanh"),
            HiddenDropoutProb = hiddenDropout,
            AttentionProbsDropoutProb = Probability("attention_probs_dropout_prob", 0.1),
            PoolerDropout = Probability("pooler_dropout", 0),
            ClassifierDropout = Probability("cls_dropout", hiddenDropout),
        };
    }

    /// <summary>pos_att_type: null, a list of "c2p"/"p2c", or one string "p2c|c2p" (lowercased and split, as DebertaV2Config does).</summary>
    static (bool C2P, bool P2C) AttentionTypes(ModelConfig config)
    {
        var node = config.Json["pos_att_type"];
        List<string> entries;
        if (node is null) entries = [];
        else if (node is JsonArray array)
            entries = array.Select((e, i) => e?.GetValueKind() == JsonValueKind.String ? e.GetValue<string>().Trim().ToLowerInvariant()
                : throw config.Invalid("pos_att_type", $"entry {i} is {e?.ToJsonString() ?? "null"}; expected \"c2p\" or \"p2c\".")).ToList();
        else if (node.GetValueKind() == JsonValueKind.String)
            entries = node.GetValue<string>().ToLowerInvariant().Split('|').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
        else throw config.Invalid("pos_att_type", $"expected a list or a \"|\"-separated string, found {node.ToJsonString()}.");
        foreach (var entry in entries)
            if (entry is not ("c2p" or "p2c"))
                throw config.Invalid("pos_att_type", $"'{entry}' is not supported (DeBERTa-v2 implements \"c2p\" and \"p2c\").");
        return (entries.Contains("c2p"), entries.Contains("p2c"));
    }

    /// <summary>norm_rel_ebd: "|"-separated, lowercased; "layer_norm" normalizes the relative table, "none" does nothing.</summary>
    static bool NormRelEbd(ModelConfig config)
    {
        var entries = (config.OptionalString("norm_rel_ebd") ?? "none").ToLowerInvariant().Split('|').Select(s => s.Trim()).ToList();
        foreach (var entry in entries)
            if (entry is not ("none" or "layer_norm"))
                throw config.Invalid("norm_rel_ebd", $"'{entry}' is not supported (\"none\" or \"layer_norm\").");
        return entries.Contains("layer_norm");
    }
}

/// <summary>
/// Relative positions between query i and key j, r = i − j, and the row of the relative table each pair reads.
/// </summary>
/// <remarks>
/// With position_buckets b &gt; 0 (mid = b / 2) and max_relative_positions m, distances up to mid keep their
/// value and longer ones are squeezed logarithmically: P(r) = sign(r)·(⌈ln(|r|/mid) / ln((m − 1)/mid) · (mid − 1)⌉ + mid)
/// for |r| &gt; mid. As transformers, the formula runs in float32 (the int64 distances divided by mid give the default
/// float dtype; the denominator is a float32 0-dim tensor) and the result is cast to int64, so the buckets are the
/// same integers. P is odd (P(−r) = −P(r)).
/// </remarks>
public static class DebertaV2RelativePositions
{
    /// <summary>P(r) for every element of <paramref name="relative"/> (int64), as int64.</summary>
    public static Tensor LogBucket(Tensor relative, int bucketSize, int maxPosition)
    {
        using var scope = NewDisposeScope();
        long mid = bucketSize / 2;
        var sign = relative.sign();
        // Distances inside (−mid, mid) take mid − 1 only so the logarithm stays finite; those lanes return r below.
        var inside = relative.lt(mid).logical_and(relative.gt(-mid));
        var absolute = where(inside, full_like(relative, mid - 1), relative.abs());
        var denominator = tensor((float)((maxPosition - 1) / (double)mid), dtype: ScalarType.Float32, device: relative.device).log();
        var logPosition = absolute.to(ScalarType.Float32).div(mid).log().div(denominator).mul(mid - 1).ceil().add(mid);
        var bucket = where(absolute.le(mid), relative.to(ScalarType.Float32), logPosition.mul(sign));
        return bucket.to(ScalarType.Int64).MoveToOuterDisposeScope();
    }

    /// <summary>[S, S] int64: P(i − j), log-bucketed when <paramref name="positionBuckets"/> &gt; 0, else i − j itself.</summary>
    public static Tensor Build(long length, int positionBuckets, int maxRelativePositions, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var ids = arange(length, dtype: ScalarType.Int64, device: device);
        var relative = ids.unsqueeze(1).sub(ids.unsqueeze(0));
        if (positionBuckets > 0 && maxRelativePositions > 0) relative = LogBucket(relative, positionBuckets, maxRelativePositions);
        return relative.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The table row δ = clamp(p + span, 0, 2·span − 1) for each bucketed distance p: always a valid row of the
    /// 2·span-row table, so gather never reads out of range (longer distances collapse onto the end rows).
    /// </summary>
    public static Tensor TableIndex(Tensor bucketed, int span) => bucketed.add(span).clamp(0, 2L * span - 1);
}

/// <summary>
/// What every layer shares in one forward: the relative table R [2·span, H] (normalized when norm_rel_ebd says so)
/// and the rows each (query, key) pair reads for c2p, clamp(P(i − j) + span), and for p2c, clamp(−P(i − j) + span).
/// </summary>
sealed record RelativeAttentionInputs(Tensor Table, Tensor C2PIndex, Tensor P2CIndex);

/// <summary>
/// x = word[ids] (+ position[0…S−1] when position_biased_input) (+ token_type[types] when type_vocab_size &gt; 0),
/// → embed_proj when embedding_size ≠ hidden_size → LayerNorm → · mask (padding rows become exactly 0) → dropout.
/// </summary>
sealed class DebertaV2Embeddings : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly Embedding word_embeddings;
    readonly Embedding? position_embeddings;
    readonly Embedding? token_type_embeddings;
    readonly Linear? embed_proj;
    readonly LayerNorm LayerNorm;
    readonly SeededDropout dropout;
    readonly long _padTokenId;

    public DebertaV2Embeddings(DebertaV2Settings settings) : base("DebertaV2Embeddings")
    {
        word_embeddings = nn.Embedding(settings.VocabSize, settings.EmbeddingSize, padding_idx: settings.PadTokenId);
        if (settings.PositionBiasedInput) position_embeddings = nn.Embedding(settings.MaxPositionEmbeddings, settings.EmbeddingSize);
        if (settings.TypeVocabSize > 0) token_type_embeddings = nn.Embedding(settings.TypeVocabSize, settings.EmbeddingSize);
        if (settings.EmbeddingSize != settings.HiddenSize) embed_proj = nn.Linear(settings.EmbeddingSize, settings.HiddenSize, hasBias: false);
        LayerNorm = nn.LayerNorm(settings.HiddenSize, settings.LayerNormEps);
        dropout = new SeededDropout(settings.HiddenDropoutProb);
        _padTokenId = settings.PadTokenId;
        RegisterComponents();
    }

    /// <summary>Zeroes the padding row, as nn.Embedding(padding_idx) and transformers' _init_weights leave it.</summary>
    public void ZeroPaddingRow()
    {
        using var noGrad = no_grad();
        using var row = word_embeddings.weight![_padTokenId];
        row.zero_();
    }

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var x = TokenEmbeddingLookup.Forward(word_embeddings, inputIds, _padTokenId, training);
        if (position_embeddings is not null)
            x = x + position_embeddings.forward(arange(inputIds.shape[1], dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0));
        if (token_type_embeddings is not null) x = x + token_type_embeddings.forward(tokenTypeIds);
        if (embed_proj is not null) x = embed_proj.forward(x);
        x = LayerNorm.forward(x) * attentionMask.unsqueeze(2).to(x.dtype);
        return dropout.forward(x).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Disentangled self-attention. Per head, with s = √(d · scale_factor):
/// score[i,j] = q_i·k_j / s + q_i·K_r[δ(i,j)] / s (c2p) + k_j·Q_r[δ(i,j)] / s (p2c), where K_r, Q_r are the relative
/// table R projected by pos_key_proj/pos_query_proj, or by this layer's key_proj/query_proj (biases included) when
/// share_att_key. Masked pairs are replaced by the dtype's minimum (not added to), softmax over keys, then ·v.
/// </summary>
sealed class DisentangledSelfAttention : nn.Module
{
    readonly Linear query_proj;
    readonly Linear key_proj;
    readonly Linear value_proj;
    readonly Linear? pos_key_proj;
    readonly Linear? pos_query_proj;
    readonly SeededDropout? pos_dropout;
    readonly SeededDropout dropout;
    readonly DebertaV2Settings _settings;

    public DisentangledSelfAttention(DebertaV2Settings settings) : base("DisentangledSelfAttention")
    {
        _settings = settings;
        query_proj = nn.Linear(settings.HiddenSize, settings.HiddenSize);
        key_proj = nn.Linear(settings.HiddenSize, settings.HiddenSize);
        value_proj = nn.Linear(settings.HiddenSize, settings.HiddenSize);
        if (settings.RelativeAttention)
        {
            pos_dropout = new SeededDropout(settings.HiddenDropoutProb);
            if (!settings.ShareAttKey && settings.C2P) pos_key_proj = nn.Linear(settings.HiddenSize, settings.HiddenSize);
            if (!settings.ShareAttKey && settings.P2C) pos_query_proj = nn.Linear(settings.HiddenSize, settings.HiddenSize);
        }
        dropout = new SeededDropout(settings.AttentionProbsDropoutProb);
        RegisterComponents();
    }

    /// <param name="hidden">[B, S, H]</param>
    /// <param name="keep">[B, 1, S, S] bool: true where query i and key j are both tokens.</param>
    /// <param name="relative">The shared relative inputs, or null without relative attention.</param>
    public Tensor Forward(Tensor hidden, Tensor keep, RelativeAttentionInputs? relative)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], length = hidden.shape[1];
        int heads = _settings.NumAttentionHeads, headSize = _settings.HeadSize;
        Tensor Heads(Tensor x) => x.view(batch, length, heads, headSize).permute(0, 2, 1, 3); // [B, A, S, d]
        var q = Heads(query_proj.forward(hidden));
        var k = Heads(key_proj.forward(hidden));
        var v = Heads(value_proj.forward(hidden));

        // √(d · factor) in float32, then cast to the model's dtype, as transformers computes it.
        var scale = tensor(MathF.Sqrt(headSize * (float)_settings.ScaleFactor), dtype: ScalarType.Float32, device: hidden.device).to(hidden.dtype);
        var scores = CheckedOps.MatMul(q, k.transpose(-1, -2).div(scale)); // [B, A, S, S]
        if (relative is not null) scores = scores + RelativeScores(q, k, relative, scale);
        scores = scores.masked_fill(keep.logical_not(), finfo(scores.dtype).min);
        var probabilities = dropout.forward(nn.functional.softmax(scores, -1));
        var context = CheckedOps.MatMul(probabilities, v); // [B, A, S, d]
        return context.permute(0, 2, 1, 3).reshape(batch, length, heads * headSize).MoveToOuterDisposeScope();
    }

    /// <summary>c2p and p2c [B, A, S, S], each already divided by the scale.</summary>
    Tensor RelativeScores(Tensor q, Tensor k, RelativeAttentionInputs relative, Tensor scale)
    {
        long batch = q.shape[0], length = q.shape[2];
        int heads = _settings.NumAttentionHeads, headSize = _settings.HeadSize;
        var table = pos_dropout!.forward(relative.Table);
        long rows = table.shape[0];
        // [2·span, H] → [1, A, 2·span, d], broadcast over the batch.
        Tensor TableHeads(Tensor x) => x.view(1, rows, heads, headSize).permute(0, 2, 1, 3);
        long[] pairShape = [batch, heads, length, length];
        Tensor? total = null;
        if (_settings.C2P)
        {
            var keys = TableHeads((_settings.ShareAttKey ? key_proj : pos_key_proj!).forward(table));
            var byRow = CheckedOps.MatMul(q, keys.transpose(-1, -2)); // [B, A, S, 2·span]: q_i · K_r[row]
            var c2p = byRow.gather(-1, relative.C2PIndex.expand(pairShape)).div(scale);
            total = c2p;
        }
        if (_settings.P2C)
        {
            var queries = TableHeads((_settings.ShareAttKey ? query_proj : pos_query_proj!).forward(table));
            var byRow = CheckedOps.MatMul(k, queries.transpose(-1, -2)); // [B, A, S, 2·span]: k_j · Q_r[row]
            // Row j, column i reads Q_r[clamp(−P(j − i) + span)] = Q_r[δ(i, j)]; transposed to [query i, key j].
            var p2c = byRow.gather(-1, relative.P2CIndex.expand(pairShape)).transpose(-1, -2).div(scale);
            total = total is null ? p2c : total + p2c;
        }
        return total ?? zeros(pairShape, dtype: q.dtype, device: q.device);
    }
}

/// <summary>Self-attention with its residual block (the layer's `attention`: `self` and `output`).</summary>
sealed class DebertaV2Attention : nn.Module
{
    readonly DisentangledSelfAttention self;
    readonly BertResidualOutput output;

    public DebertaV2Attention(DebertaV2Settings settings) : base("DebertaV2Attention")
    {
        self = new DisentangledSelfAttention(settings);
        output = new BertResidualOutput(settings.HiddenSize, settings.HiddenSize, settings.LayerNormEps, settings.HiddenDropoutProb);
        RegisterComponents();
    }

    public Tensor Forward(Tensor hidden, Tensor keep, RelativeAttentionInputs? relative) =>
        output.forward(self.Forward(hidden, keep, relative), hidden);
}

/// <summary>One encoder layer (BERT's post-LN order): a = LN(attention(x) + x); y = LN(W2·act(W1·a) + a).</summary>
sealed class DebertaV2Layer : nn.Module
{
    readonly DebertaV2Attention attention;
    readonly BertIntermediate intermediate;
    readonly BertResidualOutput output;

    public DebertaV2Layer(DebertaV2Settings settings) : base("DebertaV2Layer")
    {
        attention = new DebertaV2Attention(settings);
        intermediate = new BertIntermediate(settings.HiddenSize, settings.IntermediateSize, settings.HiddenAct);
        output = new BertResidualOutput(settings.IntermediateSize, settings.HiddenSize, settings.LayerNormEps, settings.HiddenDropoutProb);
        RegisterComponents();
    }

    public Tensor Forward(Tensor hidden, Tensor keep, RelativeAttentionInputs? relative)
    {
        // One scope per layer, so inference frees a layer's temporaries before the next runs.
        using var scope = NewDisposeScope();
        var attended = attention.Forward(hidden, keep, relative);
        return output.forward(intermediate.forward(attended), attended).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// deberta-v2-xxlarge's convolution beside layer 0 (conv_kernel_size &gt; 0; not in v3): c = conv1d over the sequence
/// of the encoder's input, zeroed at padding, act(c); out = LN(layer-0 output + c) · mask.
/// </summary>
sealed class ConvLayer : nn.Module
{
    readonly Conv1d conv;
    readonly LayerNorm LayerNorm;
    readonly SeededDropout dropout;
    readonly Func<Tensor, Tensor> _act;

    public ConvLayer(DebertaV2Settings settings) : base("ConvLayer")
    {
        int kernel = settings.ConvKernelSize;
        conv = nn.Conv1d(settings.HiddenSize, settings.HiddenSize, kernel, padding: (kernel - 1) / 2, groups: settings.ConvGroups);
        LayerNorm = nn.LayerNorm(settings.HiddenSize, settings.LayerNormEps);
        dropout = new SeededDropout(settings.HiddenDropoutProb);
        _act = BertIntermediate.Activation(settings.ConvAct);
        RegisterComponents();
    }

    /// <param name="input">[B, S, H] the encoder's input (embeddings).</param>
    /// <param name="residual">[B, S, H] layer 0's output.</param>
    /// <param name="attentionMask">[B, S], 1 on tokens.</param>
    public Tensor Forward(Tensor input, Tensor residual, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var convolved = conv.forward(input.permute(0, 2, 1)).permute(0, 2, 1);
        convolved = convolved.masked_fill(attentionMask.eq(0).unsqueeze(-1), 0);
        convolved = _act(dropout.forward(convolved));
        var normed = LayerNorm.forward(residual + convolved);
        return (normed * attentionMask.unsqueeze(2).to(normed.dtype)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The layer stack (`layer.N`) with the relative-position table (`rel_embeddings`), its norm (`LayerNorm`, which
/// normalizes the table, never the hidden states) and the optional `conv`. No final norm on the hidden states.
/// </summary>
sealed class DebertaV2Encoder : nn.Module<Tensor, Tensor, Tensor>
{
    readonly ModuleList<DebertaV2Layer> layer;
    readonly Embedding? rel_embeddings;
    readonly LayerNorm? LayerNorm;
    readonly ConvLayer? conv;
    readonly DebertaV2Settings _settings;

    public DebertaV2Encoder(DebertaV2Settings settings) : base("DebertaV2Encoder")
    {
        _settings = settings;
        layer = nn.ModuleList(Enumerable.Range(0, settings.NumHiddenLayers).Select(_ => new DebertaV2Layer(settings)).ToArray());
        if (settings.RelativeAttention) rel_embeddings = nn.Embedding(2L * settings.AttentionSpan, settings.HiddenSize);
        // transformers creates this norm from norm_rel_ebd alone, with or without relative attention.
        if (settings.NormalizeRelativeEmbeddings) LayerNorm = nn.LayerNorm(settings.HiddenSize, settings.LayerNormEps);
        if (settings.ConvKernelSize > 0) conv = new ConvLayer(settings);
        RegisterComponents();
    }

    /// <param name="hidden">[B, S, H] embeddings (padding rows already 0).</param>
    /// <param name="attentionMask">[B, S], 1 on tokens, 0 on padding.</param>
    public override Tensor forward(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        // m_i · m_j: a pair attends only when both are tokens; a padding query's row is all masked (uniform weights,
        // finite, and never read by a real token).
        var tokens = attentionMask.ne(0);
        var keep = tokens.unsqueeze(1).unsqueeze(2).logical_and(tokens.unsqueeze(1).unsqueeze(3));
        var relative = _settings.RelativeAttention ? Relative(hidden.shape[1], hidden.device) : null;
        var input = hidden;
        for (int i = 0; i < layer.Count; i++)
        {
            hidden = layer[i].Forward(hidden, keep, relative);
            if (i == 0 && conv is not null) hidden = conv.Forward(input, hidden, attentionMask);
        }
        return hidden.MoveToOuterDisposeScope();
    }

    RelativeAttentionInputs Relative(long length, Device device)
    {
        Tensor table = rel_embeddings!.weight!;
        if (LayerNorm is not null) table = LayerNorm.forward(table);
        int span = _settings.AttentionSpan;
        var bucketed = DebertaV2RelativePositions.Build(length, _settings.PositionBuckets, _settings.MaxRelativePositions, device);
        return new RelativeAttentionInputs(
            table.narrow(0, 0, 2L * span),
            DebertaV2RelativePositions.TableIndex(bucketed, span),
            DebertaV2RelativePositions.TableIndex(bucketed.neg(), span));
    }
}

/// <summary>DebertaV2Model: embeddings then encoder; returns the last hidden states [B, S, H].</summary>
sealed class DebertaV2Model : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly DebertaV2Embeddings embeddings;
    readonly DebertaV2Encoder encoder;

    public DebertaV2Model(DebertaV2Settings settings) : base("DebertaV2Model")
    {
        embeddings = new DebertaV2Embeddings(settings);
        encoder = new DebertaV2Encoder(settings);
        RegisterComponents();
    }

    public DebertaV2Embeddings Embeddings => embeddings;

    public override Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        return encoder.forward(embeddings.forward(inputIds, tokenTypeIds, attentionMask), attentionMask).MoveToOuterDisposeScope();
    }
}

/// <summary>ContextPooler: pooled = act(dropout(x[:, 0])·Wᵀ + b), the first token ([CLS]) with pooler_hidden_act (GELU, not BERT's tanh).</summary>
sealed class ContextPooler : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;
    readonly SeededDropout dropout;
    readonly Func<Tensor, Tensor> _act;

    public ContextPooler(DebertaV2Settings settings) : base("ContextPooler")
    {
        dense = nn.Linear(settings.HiddenSize, settings.HiddenSize);
        dropout = new SeededDropout(settings.PoolerDropout);
        _act = BertIntermediate.Activation(settings.PoolerHiddenAct);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return _act(dense.forward(dropout.forward(hidden.select(1, 0)))).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// DebertaV2ForSequenceClassification: logits = classifier(dropout(pooler(deberta(ids, mask, types)))), [B, num_labels].
/// State dict: deberta.embeddings.*, deberta.encoder.layer.N.*, deberta.encoder.rel_embeddings.weight,
/// deberta.encoder.LayerNorm.*, pooler.dense.*, classifier.*. The pooler reads position 0, so inputs pad on the right.
/// </summary>
public sealed class DebertaV2ForSequenceClassification : SequenceClassificationModel
{
    readonly DebertaV2Model deberta;
    readonly ContextPooler pooler;
    readonly SeededDropout dropout;
    readonly Linear classifier;

    public DebertaV2ForSequenceClassification(ModelConfig config) : base("DebertaV2ForSequenceClassification", config)
    {
        Settings = DebertaV2Settings.Read(config);
        deberta = new DebertaV2Model(Settings);
        pooler = new ContextPooler(Settings);
        dropout = new SeededDropout(Settings.ClassifierDropout);
        classifier = nn.Linear(Settings.HiddenSize, config.NumLabels);
        RegisterComponents();
        InitializeWeights();
    }

    /// <summary>The validated hyper-parameters.</summary>
    public DebertaV2Settings Settings { get; }

    /// <summary>Only with a token-type table (type_vocab_size &gt; 0; v3 has none).</summary>
    public override bool UsesTokenTypeIds => Settings.TypeVocabSize > 0;

    /// <summary>
    /// max_position_embeddings: the absolute table's size when position_biased_input; without it (v3) longer inputs
    /// would run, their far distances collapsing onto the table's end rows, but the model was trained up to it.
    /// </summary>
    public override int MaxSequenceLength => Settings.MaxPositionEmbeddings;

    /// <summary>The classifier and the pooler: a base DebertaV2Model checkpoint (microsoft/deberta-v3-base) has neither.</summary>
    public override bool IsHeadParameter(string name) =>
        name.StartsWith("classifier.", StringComparison.Ordinal) || name.StartsWith("pooler.", StringComparison.Ordinal);

    /// <summary>
    /// Also the pre-training heads (lm_predictions.*, mask_predictions.*, cls.*) and, as transformers ignores any
    /// unexpected "position_embeddings" key, an absolute table the model (position_biased_input false) does not use.
    /// </summary>
    public override bool IsIgnorableCheckpointTensor(string name) =>
        base.IsIgnorableCheckpointTensor(name)
        || name.StartsWith("lm_predictions.", StringComparison.Ordinal)
        || name.StartsWith("mask_predictions.", StringComparison.Ordinal)
        || name.StartsWith("cls.", StringComparison.Ordinal)
        || (!Settings.PositionBiasedInput && name.Contains("position_embeddings", StringComparison.Ordinal));

    public override Tensor HiddenStates(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        BertParts.CheckInputs(inputIds, attentionMask, tokenTypeIds, MaxSequenceLength);
        return deberta.forward(inputIds, attentionMask, tokenTypeIds);
    }

    public override Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        BertParts.CheckInputs(inputIds, attentionMask, tokenTypeIds, MaxSequenceLength);
        using var scope = NewDisposeScope();
        var pooled = pooler.forward(deberta.forward(inputIds, attentionMask, tokenTypeIds));
        return classifier.forward(dropout.forward(pooled)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// transformers' _init_weights: Linear, Conv1d and Embedding weights ~ N(0, initializer_range), biases 0,
    /// LayerNorm weight 1 and bias 0, the word embeddings' padding row 0.
    /// </summary>
    void InitializeWeights()
    {
        BertParts.Initialize(this, Settings.InitializerRange);
        using (no_grad())
            foreach (var (_, module) in named_modules())
                if (module is Conv1d convolution)
                {
                    nn.init.normal_(convolution.weight!, 0, Settings.InitializerRange);
                    if (convolution.bias is { } bias) nn.init.zeros_(bias);
                }
        deberta.Embeddings.ZeroPaddingRow();
    }
}
