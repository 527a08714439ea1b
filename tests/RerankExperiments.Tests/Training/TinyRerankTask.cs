using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Torch.Randomness;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Training;

/// <summary>
/// A task a tiny cross-encoder learns in a couple of hundred steps: the query is one of a few topic words, the
/// relevant passage contains it among filler words, the others are filler only. (Matching an arbitrary word
/// against passages that hold other topic words takes a tiny model thousands of steps; this signal is enough to
/// show the trainer optimizes.) Words come from the fixture BERT's vocabulary, one token each.
/// </summary>
public static class TinyRerankTask
{
    static readonly Lazy<Tokenizer> SharedTokenizer = new(() => TokenizerLoader.Load(FixtureModels.Directory("bert-tiny")));

    public static Tokenizer Tokenizer => SharedTokenizer.Value;

    /// <summary>A random 2-layer, hidden-32 BERT cross-encoder (torch seeded with <paramref name="seed"/> first).</summary>
    public static CrossEncoder Model(long seed = 1, double dropout = 0.1, double initializerRange = 0.02)
    {
        manual_seed(seed);
        var config = ModelConfig.FromFields("bert", new Dictionary<string, object>
        {
            ["vocab_size"] = 3000, ["hidden_size"] = 32, ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4, ["intermediate_size"] = 64,
            ["max_position_embeddings"] = 64, ["type_vocab_size"] = 2, ["hidden_act"] = "gelu", ["layer_norm_eps"] = 1e-12, ["pad_token_id"] = 0,
            ["initializer_range"] = initializerRange, ["hidden_dropout_prob"] = dropout, ["attention_probs_dropout_prob"] = dropout,
        });
        return CrossEncoder.Create(config, Tokenizer, FixtureModels.Directory("bert-tiny"));
    }

    static readonly Lazy<string[]> SharedWords = new(() =>
    {
        var words = new List<string>();
        for (int id = 0; id < Tokenizer.VocabularySize && words.Count < 24; id++)
        {
            string? token = Tokenizer.IdToToken(id);
            if (token is { Length: >= 4 } && token.All(char.IsAsciiLetterLower) && Tokenizer.Encode(token).Length == 3) words.Add(token);
        }
        return words.ToArray();
    });

    public static IReadOnlyList<string> Words => SharedWords.Value;

    /// <summary>The first words are the topics queries are drawn from; the rest are filler.</summary>
    public const int TopicWords = 8;

    /// <summary>
    /// Examples of one query word and <paramref name="groupSize"/> passages of 3–5 words; the positive (label 1)
    /// contains the query word. Training groups put the positive first (listwise CE); evaluation shuffles it in.
    /// </summary>
    public static List<RankingExample> Examples(int count, int groupSize, long seed, bool positiveFirst = true)
    {
        var random = new DeterministicRandom(seed);
        var words = Words;
        var examples = new List<RankingExample>();
        for (int e = 0; e < count; e++)
        {
            string query = words[random.Next(TopicWords)];
            string Passage(bool withQuery)
            {
                int length = 3 + random.Next(3);
                var chosen = new List<string>();
                while (chosen.Count < length)
                {
                    chosen.Add(words[TopicWords + random.Next(words.Count - TopicWords)]);
                }
                if (withQuery) chosen[random.Next(length)] = query;
                return string.Join(' ', chosen);
            }
            var passages = new List<string> { Passage(true) };
            for (int n = 1; n < groupSize; n++) passages.Add(Passage(false));
            var labels = passages.Select((_, i) => i == 0 ? 1f : 0f).ToList();
            if (!positiveFirst)
            {
                int at = random.Next(groupSize);
                (passages[0], passages[at]) = (passages[at], passages[0]);
                (labels[0], labels[at]) = (labels[at], labels[0]);
            }
            examples.Add(new RankingExample(query, passages, labels));
        }
        return examples;
    }
}

/// <summary>MRR@10 over examples whose relevant passages have label &gt; 0, through the Reranker.</summary>
public sealed class MrrEvaluator(string name, IReadOnlyList<RankingExample> examples) : IEvaluator
{
    public string Name => name;
    public string PrimaryMetric => $"{name}_mrr@10";

    public IReadOnlyDictionary<string, double> Evaluate(Reranker reranker)
    {
        double total = 0;
        foreach (var example in examples)
        {
            var ranked = reranker.Rank(example.Query, example.Passages);
            total += RankingMetrics.ReciprocalRank(ranked.Select(r => example.Labels[r.Index] > 0).ToList(), 10);
        }
        return new Dictionary<string, double> { [PrimaryMetric] = total / examples.Count };
    }
}

/// <summary>Returns scripted metric values, one per evaluation, whatever the model.</summary>
public sealed class ScriptedEvaluator(params double[] values) : IEvaluator
{
    int _calls;
    public string Name => "scripted";
    public string PrimaryMetric => "scripted_score";
    public IReadOnlyDictionary<string, double> Evaluate(Reranker reranker) =>
        new Dictionary<string, double> { [PrimaryMetric] = values[Math.Min(_calls++, values.Length - 1)] };
}
