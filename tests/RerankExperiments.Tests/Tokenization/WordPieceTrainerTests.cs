using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Normalizers;
using RerankExperiments.Tokenization.PreTokenizers;
using RerankExperiments.Tokenization.Training;

namespace RerankExperiments.Tests.Tokenization;

public sealed class WordPieceTrainerTests
{
    [Fact]
    public void Merges_follow_pair_frequency_with_ties_to_lower_ids()
    {
        // low×5 lower×2 newest×6 widest×3. Alphabet d e i l n o r s t w = ids 0–9; "##o" "##w" "##e" "##r" "##s" "##t"
        // "##i" "##d" = 10–17 in word order. Pair counts: (##e,##s) 9 = (##s,##t) 9 → lower ids first: ##es, then
        // ##est (9); (l,##o) 7 = (##o,##w) 7 → lo, then low; at 6, (n,##e) = (4,12) → ne; then (ne,##w) = (22,11)
        // and (##w,##est) = (11,19) tie at 6 → the lower pair ##west; then (ne,##west) → newest.
        var counts = new Dictionary<string, long> { ["low"] = 5, ["lower"] = 2, ["newest"] = 6, ["widest"] = 3 };
        var vocabulary = new WordPieceTrainer(new WordPieceTrainerOptions(VocabularySize: 25)).Train(counts);
        var byId = vocabulary.OrderBy(v => v.Value).Select(v => v.Key).ToList();
        Assert.Equal(["d", "e", "i", "l", "n", "o", "r", "s", "t", "w"], byId.Take(10));
        Assert.Equal(["##o", "##w", "##e", "##r", "##s", "##t", "##i", "##d"], byId.Skip(10).Take(8));
        Assert.Equal(["##es", "##est", "lo", "low", "ne", "##west", "newest"], byId.Skip(18));
    }

    [Fact]
    public void Min_frequency_stops_merging_and_special_tokens_come_first()
    {
        var counts = new Dictionary<string, long> { ["ab"] = 3, ["cd"] = 1 };
        var vocabulary = new WordPieceTrainer(new WordPieceTrainerOptions(VocabularySize: 100, MinFrequency: 2, SpecialTokens: ["[PAD]", "[UNK]"])).Train(counts);
        Assert.Equal(0, vocabulary["[PAD]"]);
        Assert.Equal(1, vocabulary["[UNK]"]);
        Assert.Contains("ab", vocabulary.Keys);
        Assert.DoesNotContain("cd", vocabulary.Keys);
    }

    [Fact]
    public void A_trained_tokenizer_is_written_loaded_and_encodes_its_corpus()
    {
        string[] corpus = ["The quick brown fox jumps over the lazy dog.", "A quick brown dog outpaces a quick fox!", "Foxes and dogs: friends?"];
        var counts = WordPieceTrainer.CountWords(corpus, new BertNormalizer(Lowercase: true), new BertPreTokenizer());
        var vocabulary = new WordPieceTrainer(new WordPieceTrainerOptions(VocabularySize: 80, SpecialTokens: BertTokenizerWriter.SpecialTokens)).Train(counts);
        using var directory = new TemporaryDirectory();
        BertTokenizerWriter.Write(directory.Path, vocabulary, lowercase: true, modelMaxLength: 64);

        var tokenizer = TokenizerLoader.Load(directory.Path);
        Assert.Equal(64, tokenizer.ModelMaxLength);
        Assert.Equal(vocabulary["[PAD]"], tokenizer.PadId);
        var encoded = tokenizer.EncodePair("quick fox", "Dogs!");
        Assert.Equal(vocabulary["[CLS]"], encoded.InputIds[0]);
        Assert.DoesNotContain(vocabulary["[UNK]"], encoded.InputIds);
        Assert.Equal("quick fox dogs!", tokenizer.Decode(encoded.InputIds));

        // The vocab.txt written beside it makes the same tokenizer.
        var fromVocab = TokenizerLoader.Load(Path.Combine(directory.Path, "vocab.txt"));
        Assert.Equal(encoded.InputIds, fromVocab.EncodePair("quick fox", "Dogs!").InputIds);
        Assert.Equal(encoded.TokenTypeIds, fromVocab.EncodePair("quick fox", "Dogs!").TokenTypeIds);
    }
}
