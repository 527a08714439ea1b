using System.Text.Json;

namespace RerankExperiments.Hub;

/// <summary>The files that make a cross-encoder model folder, and the shard list of a sharded safetensors checkpoint.</summary>
internal static class ModelFiles
{
    public const string Config = "config.json";
    public const string Weights = "model.safetensors";
    public const string WeightsIndex = "model.safetensors.index.json";

    /// <summary>Tokenizer files: tokenizer.json is what we load; the others complete the folder for Python tools.</summary>
    public static readonly IReadOnlyList<string> Optional = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"];

    /// <summary>
    /// fnmatch patterns ('*' crosses '/') of what a sentence-transformers embedding model needs, at the top or in a
    /// module folder: modules.json, every config (config.json, sentence_bert_config.json, 1_Pooling/config.json,
    /// tokenizer_config.json, …), tokenizer.json and the safetensors weights with their shard index.
    /// </summary>
    public static readonly IReadOnlyList<string> SentenceTransformer =
        ["modules.json", "*config*.json", "*tokenizer.json", "*special_tokens_map.json", "*.safetensors", "*.safetensors.index.json"];

    /// <summary>The distinct shard files named by the index's weight_map, in first-seen order.</summary>
    public static async Task<IReadOnlyList<string>> ReadShardNamesAsync(string indexPath, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(indexPath);
        try
        {
            using var json = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!json.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new HubException(HubErrorKind.Protocol, $"{indexPath}: no \"weight_map\" object");
            var shards = map.EnumerateObject().Select(entry => entry.Value.GetString() ?? "").Distinct().ToList();
            foreach (var shard in shards)
                HubNames.CheckRelativePath(shard, "shard file name");
            return shards;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new HubException(HubErrorKind.Protocol, $"{indexPath}: not a usable safetensors index: {e.Message}", e);
        }
    }
}
