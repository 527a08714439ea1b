using System.Text.Json;
using RerankExperiments.Modeling;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Bench;

/// <summary>The model sizes and data the scoring and training benchmarks share.</summary>
public static class BenchModels
{
    /// <summary>A BERT cross-encoder size: MiniLM-L6 (22.7 M parameters) or BERT-base (109 M).</summary>
    /// <param name="Name">How tables name it.</param>
    /// <param name="Layers">num_hidden_layers.</param>
    /// <param name="Hidden">hidden_size.</param>
    /// <param name="Heads">num_attention_heads.</param>
    /// <param name="Intermediate">intermediate_size.</param>
    /// <param name="Dropout">hidden and attention dropout (BERT's and MiniLM's configs: 0.1).</param>
    /// <param name="AttentionDropout">attention dropout where it differs from <paramref name="Dropout"/>.</param>
    /// <param name="InitializerRange">the standard deviation of the random initialisation (BERT's 0.02).</param>
    public sealed record Size(string Name, int Layers, int Hidden, int Heads, int Intermediate, double Dropout = 0.1, double InitializerRange = 0.02, double? AttentionDropout = null)
    {
        public ModelConfig Config() => ModelConfig.FromFields("bert", new Dictionary<string, object>
        {
            ["vocab_size"] = 30522, ["hidden_size"] = Hidden, ["num_hidden_layers"] = Layers, ["num_attention_heads"] = Heads,
            ["intermediate_size"] = Intermediate, ["max_position_embeddings"] = 512, ["type_vocab_size"] = 2, ["hidden_act"] = "gelu",
            ["layer_norm_eps"] = 1e-12, ["pad_token_id"] = 0, ["initializer_range"] = InitializerRange,
            ["hidden_dropout_prob"] = Dropout, ["attention_probs_dropout_prob"] = AttentionDropout ?? Dropout,
        });
    }

    public static readonly Size MiniLm = new("MiniLM-L6 (22.7 M)", 6, 384, 12, 1536);
    public static readonly Size BertBase = new("BERT-base (109 M)", 12, 768, 12, 3072);

    /// <summary>The fixture BERT tokenizer's folder (its 3,000 ids all fit the 30,522-entry embedding).</summary>
    public static string TokenizerDirectory(string root) => Path.Combine(root, "tests", "RerankExperiments.Tests", "fixtures", "hf", "bert-tiny");

    public static Tokenizer Tokenizer(string root) => TokenizerLoader.Load(TokenizerDirectory(root));

    /// <summary>The (query, passage) pairs of bench/tokenizers/bench_pairs.jsonl.</summary>
    public static List<(string Query, string Passage)> Pairs(string root) =>
        File.ReadLines(Path.Combine(root, "bench", "tokenizers", "bench_pairs.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return (row.RootElement.GetProperty("query").GetString()!, row.RootElement.GetProperty("passage").GetString()!);
        }).ToList();
}
