using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RerankExperiments.Torch.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RerankExperiments.Modeling.ModernBert;

// ModernBERT (Warner et al. 2024) as transformers 5.17 implements it for sequence classification, top to bottom:
// config → rotary embedding → attention → GeGLU MLP → pre-norm layer → encoder → head → classifier.
// Submodule fields carry transformers' names, so the state dict is the Hugging Face one name for name.

/// <summary>The hyper-parameters ModernBERT reads from config.json, validated; defaults are transformers' (ModernBERT-base).</summary>
/// <remarks>
/// Two config forms exist. transformers 4.x wrote <c>global_attn_every_n_layers</c> (layer i global iff
/// i mod n = 0) with <c>global_rope_theta</c>/<c>local_rope_theta</c>; 5.x also writes <c>layer_types</c>
/// (<c>"full_attention"</c>|<c>"sliding_attention"</c> per layer) and <c>rope_parameters</c>
/// (<c>{"full_attention": {"rope_type": "default", "rope_theta": θ}, "sliding_attention": {…}}</c>). As in
/// transformers, the v5 fields win when both are present: a config may carry a stale
/// <c>global_attn_every_n_layers</c> that no longer matches <c>layer_types</c>, and transformers' masks and RoPE
/// follow <c>layer_types</c>.
/// </remarks>
public sealed record ModernBertSettings
{
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public required int PadTokenId { get; init; }
    public required string HiddenActivation { get; init; }
    public required string ClassifierActivation { get; init; }
    public required double NormEps { get; init; }
    public required bool NormBias { get; init; }
    public required bool AttentionBias { get; init; }
    public required bool MlpBias { get; init; }
    public required bool ClassifierBias { get; init; }
    public required string ClassifierPooling { get; init; }
    /// <summary>Per layer: true = global (full) attention, false = local (sliding window).</summary>
    public required IReadOnlyList<bool> GlobalLayers { get; init; }
    /// <summary>local_attention: the total window; a local layer lets token i see j iff |i − j| ≤ local_attention / 2.</summary>
    public required int LocalAttention { get; init; }
    public required double GlobalRopeTheta { get; init; }
    public required double LocalRopeTheta { get; init; }
    public required double EmbeddingDropout { get; init; }
    public required double AttentionDropout { get; init; }
    public required double MlpDropout { get; init; }
    public required double ClassifierDropout { get; init; }
    public required double InitializerRange { get; init; }
    public required double InitializerCutoffFactor { get; init; }

    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Half window: transformers' <c>config.sliding_window = local_attention // 2</c>.</summary>
    public int SlidingWindow => LocalAttention / 2;

    const string Full = "full_attention", Sliding = "sliding_attention";

    static readonly string[] Activations = ["gelu", "gelu_pytorch_tanh", "relu", "silu", "swish"];

    public static ModernBertSettings Read(ModelConfig config)
    {
        int Positive(string name, int fallback)
        {
            int value = config.OptionalInt(name) ?? fallback;
            return value > 0 ? value : throw config.Invalid(name, $"must be positive, found {value}.");
        }
        double Probability(string name)
        {
            double value = config.OptionalDouble(name) ?? 0.0;
            return value is >= 0 and < 1 ? value : throw config.Invalid(name, $"must be a dropout probability in [0, 1), found {value}.");
        }
        string Activation(string name)
        {
            string value = config.OptionalString(name) ?? "gelu";
            return Activations.Contains(value) ? value : throw config.Invalid(name, $"activation '{value}' is not supported (supported: {string.Join(", ", Activations)}).");
        }

        int vocab = Positive("vocab_size", 50368);
        int hidden = Positive("hidden_size", 768);
        int layers = Positive("num_hidden_layers", 22);
        int heads = Positive("num_attention_heads", 12);
        if (hidden % heads != 0)
            throw config.Invalid("num_attention_heads", $"hidden_size {hidden} is not a multiple of num_attention_heads {heads}.");
        if (hidden / heads % 2 != 0)
            throw config.Invalid("num_attention_heads", $"the head size hidden_size / num_attention_heads = {hidden / heads} must be even for rotary embeddings.");
        int pad = config.OptionalInt("pad_token_id") ?? 50283;
        if (pad < 0 || pad >= vocab) throw config.Invalid("pad_token_id", $"{pad} is not a token id (vocab_size {vocab}).");
        double eps = PositiveNumber(config, "norm_eps", 1e-5);
        string pooling = config.OptionalString("classifier_pooling") ?? "cls";
        if (pooling is not ("cls" or "mean")) throw config.Invalid("classifier_pooling", $"must be \"cls\" or \"mean\", found \"{pooling}\".");
        if (config.Json["rope_scaling"] is JsonNode scaling && scaling.GetValueKind() != JsonValueKind.Null)
            throw config.Invalid("rope_scaling", "RoPE scaling is not supported (only the default rotary embedding).");

        var (globalTheta, localTheta) = RopeThetas(config);
        return new ModernBertSettings
        {
            VocabSize = vocab,
            HiddenSize = hidden,
            IntermediateSize = Positive("intermediate_size", 1152),
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            MaxPositionEmbeddings = Positive("max_position_embeddings", 8192),
            PadTokenId = pad,
            HiddenActivation = Activation("hidden_activation"),
            ClassifierActivation = Activation("classifier_activation"),
            NormEps = eps,
            NormBias = config.OptionalBool("norm_bias") ?? false,
            AttentionBias = config.OptionalBool("attention_bias") ?? false,
            MlpBias = config.OptionalBool("mlp_bias") ?? false,
            ClassifierBias = config.OptionalBool("classifier_bias") ?? false,
            ClassifierPooling = pooling,
            GlobalLayers = LayerTypes(config, layers),
            LocalAttention = Positive("local_attention", 128),
            GlobalRopeTheta = globalTheta,
            LocalRopeTheta = localTheta,
            EmbeddingDropout = Probability("embedding_dropout"),
            AttentionDropout = Probability("attention_dropout"),
            MlpDropout = Probability("mlp_dropout"),
            ClassifierDropout = Probability("classifier_dropout"),
            InitializerRange = PositiveNumber(config, "initializer_range", 0.02),
            // transformers' default is 2; an explicit null means 3 standard deviations.
            InitializerCutoffFactor = config.Json.ContainsKey("initializer_cutoff_factor") && config.Json["initializer_cutoff_factor"] is null
                ? 3.0 : PositiveNumber(config, "initializer_cutoff_factor", 2.0),
        };
    }

    static double PositiveNumber(ModelConfig config, string name, double fallback)
    {
        double value = config.OptionalDouble(name) ?? fallback;
        return value > 0 ? value : throw config.Invalid(name, $"must be positive, found {value}.");
    }

    /// <summary>layer_types when present (v5), else i mod global_attn_every_n_layers = 0 → global (v4; default n = 3).</summary>
    static bool[] LayerTypes(ModelConfig config, int layers)
    {
        if (config.Json["layer_types"] is not JsonNode node)
        {
            int every = config.OptionalInt("global_attn_every_n_layers") ?? 3;
            if (every <= 0) throw config.Invalid("global_attn_every_n_layers", $"must be positive, found {every}.");
            return Enumerable.Range(0, layers).Select(i => i % every == 0).ToArray();
        }
        if (node is not JsonArray array || array.Count != layers)
            throw config.Invalid("layer_types", $"must be a list of num_hidden_layers = {layers} entries, found {node.ToJsonString()}.");
        return array.Select((entry, i) => entry?.GetValueKind() == JsonValueKind.String ? entry.GetValue<string>() switch
        {
            Full => true,
            Sliding => false,
            var other => throw config.Invalid("layer_types", $"entry {i} is \"{other}\"; expected \"{Full}\" or \"{Sliding}\"."),
        } : throw config.Invalid("layer_types", $"entry {i} is {entry?.ToJsonString() ?? "null"}; expected a string.")).ToArray();
    }

    /// <summary>
    /// θ per attention kind: rope_parameters.{full,sliding}_attention.rope_theta, else global_rope_theta /
    /// local_rope_theta, else 160000 / 10000 (transformers' order: rope_parameters entries win).
    /// </summary>
    static (double Global, double Local) RopeThetas(ModelConfig config)
    {
        JsonObject? parameters = null;
        if (config.Json["rope_parameters"] is JsonNode node)
            parameters = node as JsonObject ?? throw config.Invalid("rope_parameters", $"must be an object, found {node.ToJsonString()}.");

        double Theta(string kind, string legacyName, double fallback)
        {
            string field = $"rope_parameters.{kind}";
            double? theta = null;
            if (parameters?[kind] is JsonNode entry)
            {
                if (entry is not JsonObject settings) throw config.Invalid(field, $"must be an object, found {entry.ToJsonString()}.");
                // Older files spell rope_type "type".
                var type = settings["rope_type"] ?? settings["type"];
                if (type is not null && (type.GetValueKind() != JsonValueKind.String || type.GetValue<string>() != "default"))
                    throw config.Invalid($"{field}.rope_type", $"only \"default\" rotary embeddings are supported, found {type.ToJsonString()}.");
                if (settings["rope_theta"] is JsonNode value)
                    // Parsed from the text: GetValue<double> fails on an integer JsonValue built in code.
                    theta = value.GetValueKind() == JsonValueKind.Number ? double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture)
                        : throw config.Invalid($"{field}.rope_theta", $"must be a number, found {value.ToJsonString()}.");
            }
            if (theta is null) return PositiveNumber(config, legacyName, fallback);
            return theta > 0 ? theta.Value : throw config.Invalid($"{field}.rope_theta", $"must be positive, found {theta}.");
        }

        return (Theta(Full, "global_rope_theta", 160_000.0), Theta(Sliding, "local_rope_theta", 10_000.0));
    }
}

/// <summary>
/// Activations by transformers' ACT2FN name. "gelu" is the exact erf form x·Φ(x); "gelu_pytorch_tanh" is
/// torch's tanh approximation.
/// </summary>
static class ModernBertActivation
{
    public static Func<Tensor, Tensor> Get(string name) => name switch
    {
        "gelu" => x => nn.functional.gelu(x),
        "gelu_pytorch_tanh" => x => nn.functional.gelu(x, GELU.Approximate.tanh),
        "relu" => x => nn.functional.relu(x),
        "silu" or "swish" => x => nn.functional.silu(x),
        _ => throw new ArgumentException($"unknown activation '{name}'", nameof(name)),
    };
}

/// <summary>
/// Rotary position embedding, half-split ("NeoX") over the whole head: with d the head size,
/// inv_freq_j = θ^(−2j/d) for j &lt; d/2, angle(p, j) = p·inv_freq_j, cos/sin = cos/sin(cat(angle, angle)) [S, d];
/// q' = q·cos + rotate_half(q)·sin with rotate_half(x) = cat(−x[d/2:], x[:d/2]).
/// </summary>
/// <remarks>
/// Not a module and holds no tensors: inv_freq would otherwise be a buffer that <c>module.to(bf16)</c> rounds, and
/// transformers computes inv_freq and the angles in fp32 and only then casts cos/sin to the model dtype; the
/// rotation itself runs in fp32 (q.float()·cos) and is cast back, as transformers' apply_rotary_pos_emb does.
/// </remarks>
static class RotaryEmbedding
{
    /// <summary>cos, sin [S, d] in <paramref name="dtype"/>, computed in fp32.</summary>
    public static (Tensor Cos, Tensor Sin) CosSin(double theta, int headDim, long length, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var exponent = arange(0, headDim, 2, dtype: ScalarType.Int64, device: device).to(ScalarType.Float32).div(headDim);
        var invFreq = tensor((float)theta, dtype: ScalarType.Float32, device: device).pow(exponent).reciprocal();
        var positions = arange(length, dtype: ScalarType.Float32, device: device);
        var angles = outer(positions, invFreq);
        var full = cat([angles, angles], -1);
        var cos = full.cos().to(dtype);
        var sin = full.sin().to(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>x [B, A, S, d] rotated by the angles of its positions, in fp32, returned in x's dtype.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        var x32 = x.to(ScalarType.Float32);
        long half = x.shape[^1] / 2;
        var rotated = cat([x32.narrow(-1, half, half).neg(), x32.narrow(-1, 0, half)], -1);
        return x32.mul(cos).add(rotated.mul(sin)).to(x.dtype);
    }
}

/// <summary>
/// Self-attention with a fused projection: [q; k; v] = x·Wqkvᵀ (Q the first H outputs, then K, V), heads of size
/// d = H/A, RoPE on q and k, softmax(q'k'ᵀ/√d + mask)·v, heads merged, then ·Woᵀ.
/// </summary>
sealed class ModernBertAttention : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    readonly Linear Wqkv;
    readonly Linear Wo;
    readonly SeededDropout out_drop;
    readonly int heads;
    readonly int headDim;
    readonly double dropout;

    public ModernBertAttention(ModernBertSettings settings) : base("ModernBertAttention")
    {
        heads = settings.NumAttentionHeads;
        headDim = settings.HeadDim;
        dropout = settings.AttentionDropout;
        Wqkv = nn.Linear(settings.HiddenSize, 3 * settings.HiddenSize, hasBias: settings.AttentionBias);
        Wo = nn.Linear(settings.HiddenSize, settings.HiddenSize, hasBias: settings.AttentionBias);
        out_drop = new SeededDropout(settings.AttentionDropout);
        RegisterComponents();
    }

    public Linear Projection => Wqkv;
    public Linear Output => Wo;

    /// <param name="x">[B, S, H]</param>
    /// <param name="cos">[S, d]</param>
    /// <param name="sin">[S, d]</param>
    /// <param name="mask">additive, broadcastable to [B, A, S, S]: 0 where allowed, the dtype's minimum where not</param>
    public override Tensor forward(Tensor x, Tensor cos, Tensor sin, Tensor mask)
    {
        long batch = x.shape[0], length = x.shape[1];
        // [B, S, 3, A, d] → three [B, A, S, d], by one unbind (one stacked gradient, not three zero-filled ones summed)
        var qkv = Wqkv.forward(x).view(batch, length, 3, heads, headDim).unbind(2);
        var q = RotaryEmbedding.Apply(qkv[0].transpose(1, 2), cos, sin);
        var k = RotaryEmbedding.Apply(qkv[1].transpose(1, 2), cos, sin);
        var v = qkv[2].transpose(1, 2);
        // Scaled by 1/√d, transformers' scaling here.
        var attended = Attention.ScaledDotProduct(q, k, v, mask, dropout, training);
        var merged = attended.transpose(1, 2).reshape(batch, length, heads * headDim);
        return out_drop.forward(Wo.forward(merged));
    }
}

/// <summary>GeGLU: [u; g] = x·Wiᵀ (u the first I outputs, g the second), out = (act(u) ⊙ g)·Woᵀ.</summary>
sealed class ModernBertMLP : nn.Module<Tensor, Tensor>
{
    readonly Linear Wi;
    readonly SeededDropout drop;
    readonly Linear Wo;
    readonly Func<Tensor, Tensor> act;

    public ModernBertMLP(ModernBertSettings settings) : base("ModernBertMLP")
    {
        Wi = nn.Linear(settings.HiddenSize, 2 * settings.IntermediateSize, hasBias: settings.MlpBias);
        drop = new SeededDropout(settings.MlpDropout);
        Wo = nn.Linear(settings.IntermediateSize, settings.HiddenSize, hasBias: settings.MlpBias);
        act = ModernBertActivation.Get(settings.HiddenActivation);
        RegisterComponents();
    }

    public Linear Input => Wi;
    public Linear Output => Wo;

    public override Tensor forward(Tensor x)
    {
        var parts = Wi.forward(x).chunk(2, -1);
        return Wo.forward(drop.forward(act(parts[0]).mul(parts[1])));
    }
}

/// <summary>
/// Pre-norm layer: x += attn(attn_norm(x)); x += mlp(mlp_norm(x)). Layer 0's attn_norm is the identity (the
/// embeddings end in a norm already), so it has no weight in the state dict.
/// </summary>
sealed class ModernBertEncoderLayer : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor> attn_norm;
    readonly ModernBertAttention attn;
    readonly LayerNorm mlp_norm;
    readonly ModernBertMLP mlp;

    public ModernBertEncoderLayer(ModernBertSettings settings, int index) : base("ModernBertEncoderLayer")
    {
        IsGlobal = settings.GlobalLayers[index];
        attn_norm = index == 0 ? nn.Identity() : nn.LayerNorm(settings.HiddenSize, settings.NormEps, bias: settings.NormBias);
        attn = new ModernBertAttention(settings);
        mlp_norm = nn.LayerNorm(settings.HiddenSize, settings.NormEps, bias: settings.NormBias);
        mlp = new ModernBertMLP(settings);
        RegisterComponents();
    }

    public bool IsGlobal { get; }
    public ModernBertAttention Attention => attn;
    public ModernBertMLP Mlp => mlp;

    public override Tensor forward(Tensor x, Tensor cos, Tensor sin, Tensor mask)
    {
        x = x.add(attn.forward(attn_norm.forward(x), cos, sin, mask));
        return x.add(mlp.forward(mlp_norm.forward(x)));
    }
}

/// <summary>Token embeddings then a norm: x = LN(E[ids]); no position or token-type embeddings (RoPE instead).</summary>
sealed class ModernBertEmbeddings : nn.Module<Tensor, Tensor>
{
    readonly Embedding tok_embeddings;
    readonly LayerNorm norm;
    readonly SeededDropout drop;
    readonly long _padTokenId;

    public ModernBertEmbeddings(ModernBertSettings settings) : base("ModernBertEmbeddings")
    {
        _padTokenId = settings.PadTokenId;
        // padding_idx as in transformers: the pad row gets no gradient.
        tok_embeddings = nn.Embedding(settings.VocabSize, settings.HiddenSize, padding_idx: settings.PadTokenId);
        norm = nn.LayerNorm(settings.HiddenSize, settings.NormEps, bias: settings.NormBias);
        drop = new SeededDropout(settings.EmbeddingDropout);
        RegisterComponents();
    }

    public Embedding Tokens => tok_embeddings;

    public override Tensor forward(Tensor inputIds) => drop.forward(norm.forward(TokenEmbeddingLookup.Forward(tok_embeddings, inputIds, _padTokenId, training)));
}

/// <summary>
/// The encoder: embeddings, the layers (global ones attend everywhere, local ones within ±local_attention/2,
/// each with its own RoPE θ), final_norm. Output [B, S, H].
/// </summary>
sealed class ModernBertModel : nn.Module<Tensor, Tensor, Tensor>
{
    readonly ModernBertEmbeddings embeddings;
    readonly ModuleList<ModernBertEncoderLayer> layers;
    readonly LayerNorm final_norm;
    readonly ModernBertSettings settings;

    public ModernBertModel(ModernBertSettings settings) : base("ModernBertModel")
    {
        this.settings = settings;
        embeddings = new ModernBertEmbeddings(settings);
        layers = nn.ModuleList(Enumerable.Range(0, settings.NumHiddenLayers).Select(i => new ModernBertEncoderLayer(settings, i)).ToArray());
        final_norm = nn.LayerNorm(settings.HiddenSize, settings.NormEps, bias: settings.NormBias);
        RegisterComponents();
    }

    public ModernBertEmbeddings Embeddings => embeddings;
    public IEnumerable<ModernBertEncoderLayer> Layers => layers;

    /// <param name="inputIds">[B, S] int64</param>
    /// <param name="attentionMask">[B, S], 1 = token, 0 = padding</param>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        var x = embeddings.forward(inputIds);
        long length = x.shape[1];
        var (globalMask, localMask) = Masks(attentionMask, length, x.dtype, x.device);
        var (globalCos, globalSin) = RotaryEmbedding.CosSin(settings.GlobalRopeTheta, settings.HeadDim, length, x.dtype, x.device);
        var (localCos, localSin) = RotaryEmbedding.CosSin(settings.LocalRopeTheta, settings.HeadDim, length, x.dtype, x.device);
        foreach (var layer in layers)
            x = layer.IsGlobal
                ? layer.forward(x, globalCos, globalSin, globalMask)
                : layer.forward(x, localCos, localSin, localMask);
        return final_norm.forward(x);
    }

    /// <summary>
    /// Additive masks: global [B, 1, 1, S] hides padded keys; local [B, 1, S, S] also hides keys with
    /// |i − j| &gt; local_attention/2. Hidden entries get the dtype's minimum (finite, as transformers' eager masks)
    /// rather than −∞, so a padded query whose whole window is padding gets a uniform row instead of NaN, which
    /// would otherwise reach real tokens through 0·NaN in the next layer's attention.
    /// </summary>
    (Tensor Global, Tensor Local) Masks(Tensor attentionMask, long length, ScalarType dtype, Device device)
    {
        double hidden = finfo(dtype).min;
        var keyOk = attentionMask.to(device).ne(0).view(attentionMask.shape[0], 1, 1, length);
        var positions = arange(length, dtype: ScalarType.Int64, device: device);
        var inWindow = positions.unsqueeze(1).sub(positions.unsqueeze(0)).abs().le(settings.SlidingWindow);
        var global = zeros(keyOk.shape, dtype: dtype, device: device).masked_fill(keyOk.logical_not(), hidden);
        var localOk = keyOk.logical_and(inWindow);
        var local = zeros(localOk.shape, dtype: dtype, device: device).masked_fill(localOk.logical_not(), hidden);
        return (global, local);
    }
}

/// <summary>Prediction head on the pooled vector: z = norm(act(dense(z))).</summary>
sealed class ModernBertPredictionHead : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;
    readonly LayerNorm norm;
    readonly Func<Tensor, Tensor> act;

    public ModernBertPredictionHead(ModernBertSettings settings) : base("ModernBertPredictionHead")
    {
        dense = nn.Linear(settings.HiddenSize, settings.HiddenSize, hasBias: settings.ClassifierBias);
        norm = nn.LayerNorm(settings.HiddenSize, settings.NormEps, bias: settings.NormBias);
        act = ModernBertActivation.Get(settings.ClassifierActivation);
        RegisterComponents();
    }

    public Linear Dense => dense;

    public override Tensor forward(Tensor x) => norm.forward(act(dense.forward(x)));
}

/// <summary>
/// ModernBERT cross-encoder: h = model(ids, mask) [B, S, H]; pooled = h[:, 0] ("cls") or Σ_s h_s·m_s / Σ_s m_s
/// ("mean", CLS and SEP included); logits = classifier(head(pooled)) [B, num_labels]. token_type_ids are ignored.
/// </summary>
public sealed class ModernBertForSequenceClassification : SequenceClassificationModel
{
    readonly ModernBertModel model;
    readonly ModernBertPredictionHead head;
    readonly SeededDropout drop;
    readonly Linear classifier;

    public ModernBertForSequenceClassification(ModelConfig config) : base("ModernBertForSequenceClassification", config)
    {
        Settings = ModernBertSettings.Read(config);
        model = new ModernBertModel(Settings);
        head = new ModernBertPredictionHead(Settings);
        drop = new SeededDropout(Settings.ClassifierDropout);
        // transformers always gives the classifier a bias (classifier_bias is the head's dense layer).
        classifier = nn.Linear(Settings.HiddenSize, config.NumLabels, hasBias: true);
        RegisterComponents();
        InitializeWeights();
    }

    /// <summary>The validated hyper-parameters.</summary>
    public ModernBertSettings Settings { get; }

    public override bool UsesTokenTypeIds => false;

    /// <summary>max_position_embeddings: RoPE has no table, but the model was trained (and is declared) up to it.</summary>
    public override int MaxSequenceLength => Settings.MaxPositionEmbeddings;

    public override bool IsHeadParameter(string name) =>
        name.StartsWith("head.", StringComparison.Ordinal) || name.StartsWith("classifier.", StringComparison.Ordinal);

    /// <summary>A ModernBertForMaskedLM checkpoint also has the vocabulary projection decoder.*, which a fine-tune drops.</summary>
    public override bool IsIgnorableCheckpointTensor(string name) =>
        base.IsIgnorableCheckpointTensor(name) || name.StartsWith("decoder.", StringComparison.Ordinal);

    public override Tensor HiddenStates(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        return model.forward(inputIds, attentionMask).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var hidden = model.forward(inputIds, attentionMask);
        Tensor pooled;
        if (Settings.ClassifierPooling == "cls")
            pooled = hidden.select(1, 0);
        else
        {
            // Same ops and dtype promotion as transformers: (h · m).sum / m.sum with the integer mask.
            var mask = attentionMask.to(hidden.device);
            pooled = hidden.mul(mask.unsqueeze(-1)).sum(1).div(mask.sum(1, keepdim: true));
        }
        return classifier.forward(drop.forward(head.forward(pooled))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// transformers' _init_weights: truncated normal N(0, σ²) cut at ±cutoff·σ, with σ = initializer_range for
    /// the embeddings, Wqkv and Wi ("in"), initializer_range / √(2·layers) for the attention and MLP output
    /// projections and head.dense ("out"), hidden_size^−½ for the classifier; biases 0, norm weights 1.
    /// </summary>
    void InitializeWeights()
    {
        double range = Settings.InitializerRange;
        double inStd = range, outStd = range / Math.Sqrt(2.0 * Settings.NumHiddenLayers), finalStd = 1.0 / Math.Sqrt(Settings.HiddenSize);
        double cutoff = Settings.InitializerCutoffFactor;
        using var noGrad = no_grad();
        void Normal(Tensor weight, double std) => TruncatedNormal(weight, std, cutoff);
        void Linear(Linear linear, double std)
        {
            Normal(linear.weight!, std);
            linear.bias?.zero_();
        }

        Normal(model.Embeddings.Tokens.weight!, inStd);
        foreach (var layer in model.Layers)
        {
            Linear(layer.Attention.Projection, inStd);
            Linear(layer.Attention.Output, outStd);
            Linear(layer.Mlp.Input, inStd);
            Linear(layer.Mlp.Output, outStd);
        }
        Linear(head.Dense, outStd);
        Linear(classifier, finalStd);
        // nn.LayerNorm already starts at weight 1, bias 0.
    }

    /// <summary>
    /// Fills <paramref name="weight"/> from N(0, σ²) conditioned on |x| ≤ cutoff·σ by inverse-CDF sampling, as
    /// torch.nn.init.trunc_normal_ does: u ~ U(2Φ(−c) − 1, 2Φ(c) − 1), x = σ·√2·erfinv(u), clamped to ±c·σ.
    /// </summary>
    /// <remarks>TorchSharp 0.107's nn.init.trunc_normal_ returns a near-constant tensor, so it is not used.</remarks>
    static void TruncatedNormal(Tensor weight, double std, double cutoff)
    {
        using var scope = NewDisposeScope();
        double phi = tensor(cutoff / Math.Sqrt(2.0), dtype: ScalarType.Float64).erf().item<double>(); // 2Φ(c) − 1
        weight.uniform_(-phi, phi).erfinv_().mul_(std * Math.Sqrt(2.0)).clamp_(-cutoff * std, cutoff * std);
    }
}
