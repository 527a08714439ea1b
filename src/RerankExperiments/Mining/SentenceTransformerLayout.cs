using System.Text.Json;
using RerankExperiments.Modeling;

namespace RerankExperiments.Mining;

/// <summary>Which kind of embedding model a folder holds.</summary>
public enum EmbeddingModelKind
{
    /// <summary>A transformer encoder (BERT, XLM-R, ModernBERT) whose token states are pooled.</summary>
    Transformer,

    /// <summary>sentence-transformers' StaticEmbedding: a token table averaged over the text's tokens.</summary>
    StaticEmbedding,
}

/// <summary>
/// How a sentence-transformers folder is put together, read from its modules.json (a list of {idx, name, path,
/// type}): the first module (Transformer in <c>path</c>, usually the folder itself; or StaticEmbedding in e.g.
/// 0_StaticEmbedding), the Pooling module's 1_Pooling/config.json, whether a Normalize module follows, and
/// sentence_bert_config.json's max_seq_length. A plain Hugging Face folder (no modules.json) is a transformer with
/// mean pooling and no normalisation, as sentence-transformers builds it.
/// </summary>
/// <param name="Kind">The first module's kind.</param>
/// <param name="ModelDirectory">The first module's folder (config.json or tokenizer.json + model.safetensors).</param>
/// <param name="Pooling">The pooling mode (transformers only).</param>
/// <param name="Normalizes">Whether a Normalize module is present.</param>
/// <param name="MaxSeqLength">sentence_bert_config.json's max_seq_length, when given.</param>
public sealed record SentenceTransformerLayout(EmbeddingModelKind Kind, string ModelDirectory, PoolingMode Pooling, bool Normalizes, int? MaxSeqLength)
{
    /// <summary>Reads the layout of <paramref name="directory"/>; errors name the file and the problem.</summary>
    public static SentenceTransformerLayout Read(string directory)
    {
        directory = Path.GetFullPath(directory);
        if (!Directory.Exists(directory)) throw new ModelFormatException(directory, "is not a directory.");
        string modulesPath = Path.Combine(directory, "modules.json");
        if (!File.Exists(modulesPath))
        {
            // A bare StaticEmbedding folder (what StaticEmbedding.save writes) has no config.json.
            bool bareStatic = !File.Exists(Path.Combine(directory, "config.json")) && File.Exists(Path.Combine(directory, "tokenizer.json"));
            return new(bareStatic ? EmbeddingModelKind.StaticEmbedding : EmbeddingModelKind.Transformer, directory, PoolingMode.Mean, false, null);
        }

        var modules = new List<(string Path, string Type)>();
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(modulesPath));
            if (json.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException("expected a list of modules.");
            foreach (var module in json.RootElement.EnumerateArray())
            {
                string type = module.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : throw new FormatException("a module has no \"type\".");
                string path = module.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "";
                modules.Add((path, type));
            }
        }
        catch (Exception error) when (error is JsonException or FormatException)
        {
            throw new ModelFormatException(modulesPath, error.Message);
        }
        if (modules.Count == 0) throw new ModelFormatException(modulesPath, "lists no modules.");

        string first = ShortType(modules[0].Type);
        var kind = first switch
        {
            "Transformer" => EmbeddingModelKind.Transformer,
            "StaticEmbedding" => EmbeddingModelKind.StaticEmbedding,
            _ => throw new ModelFormatException(modulesPath, $"module 0 is {modules[0].Type}; supported: sentence_transformers.models.Transformer or StaticEmbedding."),
        };
        var pooling = PoolingMode.Mean;
        bool normalizes = false;
        foreach (var (path, type) in modules.Skip(1))
        {
            switch (ShortType(type))
            {
                case "Pooling": pooling = ReadPooling(Path.Combine(directory, path, "config.json")); break;
                case "Normalize": normalizes = true; break;
                default: throw new ModelFormatException(modulesPath, $"module {type} is not supported (Pooling and Normalize are).");
            }
        }
        return new(kind, Path.Combine(directory, modules[0].Path), pooling, normalizes, ReadMaxSeqLength(Path.Combine(directory, "sentence_bert_config.json")));
    }

    static string ShortType(string type) => type[(type.LastIndexOf('.') + 1)..];

    /// <summary>
    /// 1_Pooling/config.json: exactly one of pooling_mode_cls_token and pooling_mode_mean_tokens set (max,
    /// weighted-mean, last-token and sqrt-length pooling are not implemented and fail the load rather than
    /// silently embedding differently).
    /// </summary>
    static PoolingMode ReadPooling(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException(path, "does not exist (the Pooling module's config).");
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var set = json.RootElement.EnumerateObject()
                .Where(p => p.Name.StartsWith("pooling_mode_", StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.True)
                .Select(p => p.Name).ToList();
            return set switch
            {
                ["pooling_mode_cls_token"] => PoolingMode.Cls,
                ["pooling_mode_mean_tokens"] => PoolingMode.Mean,
                _ => throw new FormatException($"sets {(set.Count == 0 ? "no pooling mode" : string.Join(" + ", set))}; supported: pooling_mode_cls_token or pooling_mode_mean_tokens alone."),
            };
        }
        catch (Exception error) when (error is JsonException or FormatException)
        {
            throw new ModelFormatException(path, error.Message);
        }
    }

    static int? ReadMaxSeqLength(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            return json.RootElement.TryGetProperty("max_seq_length", out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;
        }
        catch (JsonException error)
        {
            throw new ModelFormatException(path, error.Message);
        }
    }
}
