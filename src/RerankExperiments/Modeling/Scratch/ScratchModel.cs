using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Normalizers;
using RerankExperiments.Tokenization.PreTokenizers;
using RerankExperiments.Tokenization.Training;
using RerankExperiments.Torch.Randomness;
using RerankExperiments.Torch.Safetensors;

namespace RerankExperiments.Modeling.Scratch;

/// <summary>
/// Builds the starting checkpoint of a model trained from scratch, as a Hugging Face folder like any other: a WordPiece
/// tokenizer trained on the given texts (written by <see cref="BertTokenizerWriter"/>, so transformers loads it), then a
/// BERT cross-encoder of the configured shape initialised the way transformers initialises one (normal(0,
/// initializer_range) weights, zero biases), seeded. Everything after this — baseline evaluation, training, LM-Cocktail's "base" — treats
/// the folder as the starting model. Building is deterministic, and a complete folder is reused rather than rebuilt,
/// so a resumed trial starts from the very same weights.
/// </summary>
public static class ScratchModel
{
    /// <summary>Builds the folder <paramref name="directory"/> from <paramref name="texts"/> unless it is already complete; returns it.</summary>
    public static string Build(ScratchModelOptions options, IEnumerable<string> texts, string directory)
    {
        options.Validated();
        if (IsComplete(directory)) return directory;
        string tokenizerDirectory = directory + ".tokenizer.partial";
        if (Directory.Exists(tokenizerDirectory)) Directory.Delete(tokenizerDirectory, recursive: true);
        try
        {
            var vocabulary = TrainVocabulary(options, texts);
            BertTokenizerWriter.Write(tokenizerDirectory, vocabulary, options.Lowercase, options.MaxPositionEmbeddings);
            var tokenizer = TokenizerLoader.Load(tokenizerDirectory);
            Seeding.SeedTorch(options.Seed);
            using var encoder = CrossEncoder.Create(Config(options, vocabulary), tokenizer, tokenizerDirectory);
            encoder.Save(directory);
        }
        finally
        {
            if (Directory.Exists(tokenizerDirectory)) Directory.Delete(tokenizerDirectory, recursive: true);
        }
        return directory;
    }

    /// <summary>Whether <paramref name="directory"/> holds a saved model (saves are atomic, so present means whole).</summary>
    public static bool IsComplete(string directory) =>
        File.Exists(Path.Combine(directory, "config.json")) && File.Exists(Path.Combine(directory, TokenizerLoader.TokenizerFileName))
        && SafetensorsCheckpoint.Exists(directory);

    /// <summary>The WordPiece vocabulary of <paramref name="texts"/>, BERT's special tokens first.</summary>
    public static Dictionary<string, int> TrainVocabulary(ScratchModelOptions options, IEnumerable<string> texts)
    {
        var counts = WordPieceTrainer.CountWords(texts, new BertNormalizer(Lowercase: options.Lowercase), new BertPreTokenizer());
        if (counts.Count == 0) throw new ArgumentException("No text to train a tokenizer on: the training data is empty.", nameof(texts));
        var trainer = new WordPieceTrainer(new WordPieceTrainerOptions(options.VocabularySize, options.MinFrequency, BertTokenizerWriter.SpecialTokens));
        return trainer.Train(counts);
    }

    static ModelConfig Config(ScratchModelOptions options, IReadOnlyDictionary<string, int> vocabulary) =>
        ModelConfig.FromFields(options.Architecture, new Dictionary<string, object>
        {
            ["vocab_size"] = vocabulary.Count,
            ["hidden_size"] = options.HiddenSize,
            ["num_hidden_layers"] = options.NumHiddenLayers,
            ["num_attention_heads"] = options.NumAttentionHeads,
            ["intermediate_size"] = options.IntermediateSize,
            ["max_position_embeddings"] = options.MaxPositionEmbeddings,
            ["type_vocab_size"] = 2,
            ["hidden_act"] = "gelu",
            ["layer_norm_eps"] = 1e-12,
            ["initializer_range"] = options.InitializerRange,
            ["hidden_dropout_prob"] = options.Dropout,
            ["attention_probs_dropout_prob"] = options.Dropout,
            ["pad_token_id"] = vocabulary["[PAD]"],
        });
}
