using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Models;
using RerankExperiments.Tokenization.Normalizers;
using RerankExperiments.Tokenization.PostProcessors;
using RerankExperiments.Tokenization.PreTokenizers;

namespace RerankExperiments.Tests.Tokenization;

public sealed class TokenizerBehaviourTests
{
    static Tokenizer Small(IReadOnlyList<AddedToken>? added = null)
    {
        string[] tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "##s", "!", "wor", "##ld", "un", "##aff", "##able"];
        var vocabulary = tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        return new Tokenizer(new WordPieceModel(vocabulary), new BertNormalizer(), new BertPreTokenizer(), new BertPostProcessor(2, 3),
            addedTokens: added ?? [new AddedToken(0, "[PAD]"), new AddedToken(1, "[UNK]"), new AddedToken(2, "[CLS]"), new AddedToken(3, "[SEP]")], padId: 0);
    }

    [Fact]
    public void WordPiece_takes_the_longest_prefix_then_continuations_and_unknown_words_whole()
    {
        var tokenizer = Small();
        Assert.Equal([4, 6, 7], tokenizer.EncodeIds("Hellos!"));
        Assert.Equal([10, 11, 12], tokenizer.EncodeIds("unaffable"));
        Assert.Equal([1], tokenizer.EncodeIds("unaffablex"));
        Assert.Equal([5], tokenizer.EncodeIds("world"));
    }

    [Fact]
    public void Special_tokens_in_the_text_are_matched_before_normalization()
    {
        var tokenizer = Small();
        Assert.Equal([4, 3, 5], tokenizer.EncodeIds("hello[SEP]world"));
        // Matching is case-sensitive and on raw text: "[sep]" is ordinary text ("[", "sep", "]", "x": all unknown).
        Assert.Equal([4, 1, 1, 1, 1], tokenizer.EncodeIds("hello [sep]x"));
    }

    [Fact]
    public void Lstrip_rstrip_and_single_word_added_tokens()
    {
        var tokenizer = Small([new AddedToken(2, "[CLS]", LStrip: true, RStrip: true), new AddedToken(7, "!", SingleWord: true)]);
        var segments = new List<TextSegment>();
        new AddedVocabulary(tokenizer.AddedTokens).Split("hello   [CLS]  world", segments);
        Assert.Equal(["hello", "   [CLS]  ", "world"], segments.Select(s => s.Text));
        Assert.Equal([4, 2, 5], tokenizer.EncodeIds("hello   [CLS]  world"));
        segments.Clear();
        new AddedVocabulary(tokenizer.AddedTokens).Split("hello! ! world", segments);
        Assert.Equal(["hello! ", "!", " world"], segments.Select(s => s.Text));
    }

    [Fact]
    public void Pairs_get_type_ids_and_batches_pad_with_mask_zero()
    {
        var tokenizer = Small();
        var batch = tokenizer.EncodeBatch([new TextInput("hello", "worlds"), new TextInput("hello world!")], padding: new PaddingOptions());
        Assert.Equal([2, 4, 3, 5, 6, 3], batch[0].InputIds);
        Assert.Equal([0, 0, 0, 1, 1, 1], batch[0].TokenTypeIds);
        Assert.Equal([2, 4, 5, 7, 3, 0], batch[1].InputIds);
        Assert.Equal([1, 1, 1, 1, 1, 0], batch[1].AttentionMask);
        Assert.Equal([true, false, false, false, true, true], batch[1].SpecialTokensMask);
        var fixedLength = tokenizer.Pad(batch, new PaddingOptions(Length: 8, PadToMultipleOf: 5));
        Assert.All(fixedLength, e => Assert.Equal(10, e.Length));
        var left = tokenizer.Pad([tokenizer.Encode("hello world!")], new PaddingOptions(Length: 7, Left: true));
        Assert.Equal([0, 0, 2, 4, 5, 7, 3], left[0].InputIds);
    }

    [Fact]
    public void Batch_encoding_on_all_cores_equals_one_by_one()
    {
        var tokenizer = TokenizerLoader.Load(Fixtures.Path("hf", "bert-tiny"));
        var inputs = File.ReadLines(Fixtures.Path("hf", "pairs.jsonl")).SelectMany(line => Enumerable.Repeat(new TextInput(line[..Math.Min(60, line.Length)], line), 20)).ToList();
        var parallel = tokenizer.EncodeBatch(inputs, new TruncationOptions(64), maxDegreeOfParallelism: 4);
        for (int i = 0; i < inputs.Count; i++)
            Assert.Equal(tokenizer.Encode(inputs[i], new TruncationOptions(64)).InputIds, parallel[i].InputIds);
    }

    [Fact]
    public void Truncation_counts_special_tokens_and_can_cut_from_the_left()
    {
        var tokenizer = Small();
        var encoded = tokenizer.EncodePair("hello hello hello", "world world world", new TruncationOptions(7));
        Assert.Equal([2, 4, 4, 3, 5, 5, 3], encoded.InputIds);
        var single = tokenizer.Encode("hello world !", new TruncationOptions(4, Direction: TruncationDirection.Left));
        Assert.Equal([2, 5, 7, 3], single.InputIds);
    }

    [Fact]
    public void A_bert_folder_with_only_vocab_txt_loads()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllLines(directory.File("vocab.txt"), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world"]);
        File.WriteAllText(directory.File("tokenizer_config.json"), """{"do_lower_case": true, "model_max_length": 1000000000000000019884624838656}""");
        var tokenizer = TokenizerLoader.Load(directory.Path);
        Assert.Null(tokenizer.ModelMaxLength);
        Assert.Equal([2, 5, 6, 3], tokenizer.Encode("HELLO World").InputIds);
        Assert.Equal([2, 5, 3, 6, 3], tokenizer.EncodePair("Hello", "world").InputIds);
        Assert.Equal([0, 0, 0, 1, 1], tokenizer.EncodePair("Hello", "world").TokenTypeIds);
    }
}
