using RerankExperiments.Modeling;
using RerankExperiments.Tokenization;
using static TorchSharp.torch;

namespace RerankExperiments.Mining;

/// <summary>
/// A sentence-transformers bi-encoder over a transformer backbone: e = pool(h, m) (see <see cref="PoolingMode"/>),
/// then normalised when the model has a Normalize module, truncated to truncate_dim, and normalised again when
/// <see cref="TextEncoderOptions.Normalize"/> asks — the order SentenceTransformer.encode applies them. Texts are
/// tokenized on all cores (with special tokens, truncated to the max length) and run in length-sorted batches, so a
/// batch pads only to its own longest text; each batch runs under inference mode in its own dispose scope.
/// </summary>
public sealed class TransformerTextEncoder : ITextEncoder
{
    readonly TransformerBackbone _backbone;
    readonly TextEncoderOptions _options;
    readonly PoolingMode _pooling;
    readonly bool _moduleNormalizes;
    readonly int _maxLength;
    readonly int _batchSize;
    readonly int _hiddenSize;

    TransformerTextEncoder(TransformerBackbone backbone, SentenceTransformerLayout layout, TextEncoderOptions options, string identity)
    {
        _backbone = backbone;
        _options = options;
        _pooling = options.Pooling ?? layout.Pooling;
        _moduleNormalizes = layout.Normalizes;
        _maxLength = Math.Min(options.MaxLength ?? layout.MaxSeqLength ?? backbone.MaxLength, backbone.MaxLength);
        _batchSize = options.BatchSize ?? 32;
        _hiddenSize = backbone.Model.Config.Json["hidden_size"]?.GetValue<int>() ?? throw new ModelFormatException(backbone.Directory, "config.json has no hidden_size.");
        Dimension = Math.Min(_hiddenSize, options.TruncateDim ?? _hiddenSize);
        Identity = $"{identity}|pooling={_pooling}|normalize-module={_moduleNormalizes}|max-length={_maxLength}|truncate={options.TruncateDim}|normalize={options.Normalize}";
    }

    public int Dimension { get; }

    /// <summary>Unit rows when asked, or when the model's Normalize module runs last (no truncation after it).</summary>
    public bool Normalizes => _options.Normalize || (_moduleNormalizes && Dimension == _hiddenSize);

    public Device Device => _backbone.Device;

    public string Identity { get; }

    /// <summary>The pooling in use.</summary>
    public PoolingMode Pooling => _pooling;

    /// <summary>The token limit in use (special tokens included).</summary>
    public int MaxLength => _maxLength;

    public TransformerBackbone Backbone => _backbone;

    /// <summary>Loads the transformer module of <paramref name="layout"/> in float32 on <paramref name="device"/>.</summary>
    public static TransformerTextEncoder Load(SentenceTransformerLayout layout, TextEncoderOptions? options = null, Device? device = null)
    {
        options = (options ?? new TextEncoderOptions()).Validated();
        var backbone = TransformerBackbone.Load(layout.ModelDirectory, ScalarType.Float32, device);
        return new TransformerTextEncoder(backbone, layout, options, $"transformer:{ModelIdentity.Of(layout.ModelDirectory)}");
    }

    public Tensor Encode(IReadOnlyList<string> texts, IProgress<int>? progress = null)
    {
        var tokenizer = _backbone.Tokenizer;
        var device = Device;
        var output = zeros([texts.Count, Dimension], ScalarType.Float32, device);
        if (texts.Count == 0) return output;
        var encoded = tokenizer.EncodeBatch(texts.Select(t => new TextInput(t)).ToList(), new TruncationOptions(_maxLength));
        // Longest first: batches pad only to their own longest text, and the first batch shows memory trouble early.
        var order = Enumerable.Range(0, encoded.Length).OrderByDescending(i => encoded[i].Length).ThenBy(i => i).ToArray();
        int padId = tokenizer.PadId ?? 0;
        using var inference = inference_mode();
        for (int start = 0; start < order.Length; start += _batchSize)
        {
            var batch = order.AsSpan(start, Math.Min(_batchSize, order.Length - start)).ToArray();
            using var scope = NewDisposeScope();
            var (ids, mask, types) = Reranker.Collate(batch.Select(i => encoded[i]).ToList(), padId, device, tokenizer.ReturnsTokenTypeIds);
            var pooled = EmbeddingMath.Pool(_backbone.HiddenStates(ids, mask, types), mask, _pooling).to(ScalarType.Float32);
            if (_moduleNormalizes) pooled = EmbeddingMath.Normalize(pooled);
            pooled = EmbeddingMath.Truncate(pooled, _options.TruncateDim);
            if (_options.Normalize) pooled = EmbeddingMath.Normalize(pooled);
            output.index_copy_(0, tensor(batch.Select(i => (long)i).ToArray(), device: device), pooled);
            progress?.Report(start + batch.Length);
        }
        return output;
    }

    public void Dispose() => _backbone.Dispose();
}
