using RerankExperiments.Modeling;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Torch.Safetensors;
using static TorchSharp.torch;

namespace RerankExperiments.Mining;

/// <summary>
/// sentence-transformers' StaticEmbedding (e.g. static-retrieval-mrl-en-v1, model2vec models): a table W [V, d]
/// and a tokenizer. A text with token ids t₁…t_n — its tokenizer.json encoding <em>without</em> special tokens, as
/// StaticEmbedding.preprocess calls encode_batch(add_special_tokens=False), truncated only if tokenizer.json says
/// so — embeds as the mean of its rows, e = (1/n)·Σᵢ W[tᵢ] (nn.EmbeddingBag mode "mean"; a text with no tokens
/// gives the zero vector). Then truncate_dim and normalisation as <see cref="TextEncoderOptions"/> say.
/// The folder holds tokenizer.json and model.safetensors with <c>embedding.weight</c> (or model2vec's
/// <c>embeddings</c>).
/// </summary>
public sealed class StaticEmbeddingEncoder : ITextEncoder
{
    readonly Tokenizer _tokenizer;
    readonly Tensor _table;
    readonly TextEncoderOptions _options;
    readonly int _batchSize;

    StaticEmbeddingEncoder(Tokenizer tokenizer, Tensor table, TextEncoderOptions options, string identity)
    {
        _tokenizer = tokenizer;
        _table = table;
        _options = options;
        _batchSize = options.BatchSize ?? 4096;
        int width = (int)table.shape[1];
        Dimension = Math.Min(width, options.TruncateDim ?? width);
        Identity = $"{identity}|truncate={options.TruncateDim}|normalize={options.Normalize}";
    }

    public int Dimension { get; }

    public bool Normalizes => _options.Normalize;

    public Device Device => _table.device;

    public string Identity { get; }

    /// <summary>The table W [V, d] (read-only use).</summary>
    public Tensor Table => _table;

    public Tokenizer Tokenizer => _tokenizer;

    /// <summary>Loads the StaticEmbedding module folder <paramref name="directory"/> (tokenizer.json + model.safetensors).</summary>
    public static StaticEmbeddingEncoder Load(string directory, TextEncoderOptions? options = null, Device? device = null)
    {
        options = (options ?? new TextEncoderOptions()).Validated();
        directory = Path.GetFullPath(directory);
        string tokenizerPath = Path.Combine(directory, "tokenizer.json");
        if (!File.Exists(tokenizerPath)) throw new ModelFormatException(directory, "holds no tokenizer.json (a StaticEmbedding module needs one).");
        string weightsPath = Path.Combine(directory, SafetensorsCheckpoint.SingleFileName);
        if (!File.Exists(weightsPath)) throw new ModelFormatException(directory, $"holds no {SafetensorsCheckpoint.SingleFileName}.");
        var tokenizer = TokenizerLoader.FromTokenizerJson(tokenizerPath);
        Tensor table;
        using (var weights = SafetensorsFile.Open(weightsPath))
        {
            string name = weights.Names.Contains("embedding.weight") ? "embedding.weight"
                : weights.Names.Contains("embeddings") ? "embeddings"
                : throw new ModelFormatException(weightsPath, $"has neither 'embedding.weight' nor 'embeddings' (found: {string.Join(", ", weights.Names.Take(5))}).");
            table = weights.Read(name, ScalarType.Float32, device);
        }
        if (table.dim() != 2) throw new ModelFormatException(weightsPath, $"the embedding table must be [vocab, dim]; found [{string.Join(", ", table.shape)}].");
        if (table.shape[0] < tokenizer.VocabularySize)
            throw new ModelFormatException(weightsPath, $"the table has {table.shape[0]} rows but the tokenizer {tokenizer.VocabularySize} ids.");
        return new StaticEmbeddingEncoder(tokenizer, table, options, $"static:{ModelIdentity.Of(directory)}");
    }

    public Tensor Encode(IReadOnlyList<string> texts, IProgress<int>? progress = null)
    {
        var device = Device;
        var output = zeros([texts.Count, Dimension], ScalarType.Float32, device);
        using var inference = inference_mode();
        for (int start = 0; start < texts.Count; start += _batchSize)
        {
            int count = Math.Min(_batchSize, texts.Count - start);
            var encoded = _tokenizer.EncodeBatch(Enumerable.Range(start, count).Select(i => new TextInput(texts[i])).ToList(), addSpecialTokens: false);
            int total = encoded.Sum(e => e.Length);
            var ids = new long[total];
            var bags = new long[total];
            var lengths = new float[count];
            int next = 0;
            for (int row = 0; row < count; row++)
            {
                foreach (int id in encoded[row].InputIds)
                {
                    ids[next] = id;
                    bags[next++] = row;
                }
                lengths[row] = encoded[row].Length;
            }
            using var scope = NewDisposeScope();
            // Σ of each text's rows by scatter-adding the gathered rows into their text's slot, then ÷ n (n ≥ 1: an
            // empty text keeps its zero sum, EmbeddingBag's mean of nothing).
            var sums = zeros([count, _table.shape[1]], ScalarType.Float32, device);
            if (total > 0) sums.index_add_(0, tensor(bags, device: device), _table.index_select(0, tensor(ids, device: device)), 1);
            var embeddings = sums.div(tensor(lengths, device: device).clamp_min(1).unsqueeze(1));
            embeddings = EmbeddingMath.Truncate(embeddings, _options.TruncateDim);
            if (_options.Normalize) embeddings = EmbeddingMath.Normalize(embeddings);
            output.narrow(0, start, count).copy_(embeddings);
            progress?.Report(start + count);
        }
        return output;
    }

    public void Dispose() => _table.Dispose();
}
