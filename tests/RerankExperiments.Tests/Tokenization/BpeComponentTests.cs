using System.Text.Json;
using RerankExperiments.Tokenization.Decoders;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Models;
using RerankExperiments.Tokenization.PostProcessors;
using RerankExperiments.Tokenization.PreTokenizers;

namespace RerankExperiments.Tests.Tokenization;

/// <summary>Rules of the byte-level BPE components that the goldens do not isolate, and malformed-file errors.</summary>
public sealed class BpeComponentTests
{
    static TokenizerJson Json(string text) => new(JsonDocument.Parse(text).RootElement.Clone(), "test.json", "model");

    static BpeModel Model(string vocabAndMerges, string options = "") =>
        BpeModel.FromJson(Json($$"""{"type":"BPE"{{options}},{{vocabAndMerges}}}"""));

    static List<int> Tokenize(ITokenizerModel model, string piece)
    {
        var ids = new List<int>();
        model.Tokenize(piece, ids);
        return ids;
    }

    const string Abc = """ "vocab":{"a":0,"b":1,"c":2,"ab":3,"bc":4,"abc":5,"[UNK]":6}, "merges":[["b","c"],["a","b"],["a","bc"]] """;

    [Fact]
    public void Lowest_rank_merges_first_and_both_merge_formats_agree()
    {
        var pairs = Model(Abc);
        var legacy = Model(""" "vocab":{"a":0,"b":1,"c":2,"ab":3,"bc":4,"abc":5,"[UNK]":6}, "merges":["#version: 0.2","b c","a b","a bc"] """);
        Assert.Equal([5], Tokenize(pairs, "abc"));   // b+c (rank 0) first, then a+bc
        Assert.Equal([3], Tokenize(pairs, "ab"));
        Assert.Equal([5, 4], Tokenize(pairs, "abcbc"));
        foreach (string word in new[] { "abc", "ab", "abcbc", "cab", "ba" }) Assert.Equal(Tokenize(pairs, word), Tokenize(legacy, word));
    }

    [Fact]
    public void Unknown_characters_become_unk_fused_or_are_dropped_without_unk_token()
    {
        Assert.Equal([0, 6, 6, 1], Tokenize(Model(Abc, ""","unk_token":"[UNK]" """), "axyb"));
        Assert.Equal([0, 6, 1], Tokenize(Model(Abc, ""","unk_token":"[UNK]","fuse_unk":true """), "axyb"));
        Assert.Equal([3], Tokenize(Model(Abc), "axyb")); // dropped, then a+b merge
    }

    [Fact]
    public void Byte_fallback_uses_hex_byte_tokens_only_when_all_exist()
    {
        var model = Model(""" "vocab":{"a":0,"<0xC3>":1,"<0xA9>":2,"[UNK]":3}, "merges":[] """, ""","unk_token":"[UNK]","byte_fallback":true """);
        Assert.Equal([0, 1, 2], Tokenize(model, "aé"));    // é = C3 A9
        Assert.Equal([0, 3], Tokenize(model, "aè"));       // è = C3 A8: <0xA8> missing, so unk
    }

    [Fact]
    public void Ignore_merges_takes_a_whole_vocabulary_word_directly()
    {
        const string vocab = """ "vocab":{"a":0,"b":1,"ab":2,"abb":3}, "merges":[["a","b"]] """;
        Assert.Equal([2, 1], Tokenize(Model(vocab), "abb"));
        Assert.Equal([3], Tokenize(Model(vocab, ""","ignore_merges":true """), "abb"));
    }

    [Fact]
    public void Affixes_mark_continuations_and_word_ends()
    {
        var model = Model(""" "vocab":{"a":0,"##b":1,"##c</w>":2,"ab":4,"abc</w>":5}, "merges":[["a","##b"],["ab","##c</w>"]] """,
            ""","continuing_subword_prefix":"##","end_of_word_suffix":"</w>" """);
        Assert.Equal([5], Tokenize(model, "abc")); // merged tokens drop the continuation prefix: a + ##b = ab
    }

    [Fact]
    public void Concurrent_tokenization_agrees_with_sequential()
    {
        var model = Model(Abc, ""","unk_token":"[UNK]" """);
        var words = Enumerable.Range(0, 20_000).Select(i => new string("abcx"[i % 4], 1 + i % 7) + "abc"[i % 3] + i).ToArray();
        var expected = words.Select(w => Tokenize(Model(Abc, ""","unk_token":"[UNK]" """), w)).ToArray();
        var actual = new List<int>[words.Length];
        Parallel.For(0, words.Length, i => actual[i] = Tokenize(model, words[i]));
        for (int i = 0; i < words.Length; i++) Assert.Equal(expected[i], actual[i]);
    }

    [Theory]
    [InlineData(""" "vocab":{"a":0,"b":1}, "merges":[["a","b"]] """, "model.merges[0]", "'ab'")]
    [InlineData(""" "vocab":{"a":0}, "merges":[["a","z"]] """, "model.merges[0]", "'z'")]
    [InlineData(""" "vocab":{"a":0,"b":1,"ab":2}, "merges":["a b c"] """, "model.merges[0]", "two tokens")]
    [InlineData(""" "vocab":{"a":0,"b":1,"ab":2}, "merges":[["a"]] """, "model.merges[0]", "pair")]
    [InlineData(""" "vocab":{"a":0,"b":1,"ab":2}, "merges":[["a",1]] """, "model.merges[0][1]", "string")]
    [InlineData(""" "vocab":{"a":"0"}, "merges":[] """, "model.vocab.a", "integer")]
    [InlineData(""" "vocab":{"a":-1}, "merges":[] """, "model.vocab.a", "negative")]
    [InlineData(""" "vocab":[], "merges":[] """, "model.vocab", "object")]
    [InlineData(""" "vocab":{} """, "model.merges", "missing")]
    [InlineData(""" "vocab":{}, "merges":{} """, "model.merges", "array")]
    [InlineData(""" "vocab":{}, "merges":[], "dropout":2 """, "model.dropout", "between")]
    [InlineData(""" "vocab":{}, "merges":[], "fuse_unk":"yes" """, "model.fuse_unk", "true or false")]
    public void Malformed_models_fail_with_the_json_path(string body, string path, string problem)
    {
        var error = Assert.Throws<TokenizerFormatException>(() => Model(body));
        Assert.Equal(path, error.JsonPath);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Unk_token_outside_the_vocabulary_fails_only_when_needed()
    {
        var model = Model(""" "vocab":{"a":0}, "merges":[] """, ""","unk_token":"<unk>" """);
        Assert.Equal([0], Tokenize(model, "a"));
        var error = Assert.Throws<TokenizerFormatException>(() => Tokenize(model, "z"));
        Assert.Equal("model.unk_token", error.JsonPath);
    }

    [Theory]
    [InlineData("""{"type":"Split","pattern":{"Regex":"("},"behavior":"Isolated","invert":false}""", "pre_tokenizer.pattern.Regex")]
    [InlineData("""{"type":"Split","pattern":{"Other":"x"},"behavior":"Isolated","invert":false}""", "pre_tokenizer.pattern")]
    [InlineData("""{"type":"Split","pattern":{"String":"x"},"behavior":"Sideways","invert":false}""", "pre_tokenizer.behavior")]
    [InlineData("""{"type":"Split","pattern":{"String":"x"},"invert":false}""", "pre_tokenizer.behavior")]
    [InlineData("""{"type":"Split","pattern":{"String":"x"},"behavior":"Isolated"}""", "pre_tokenizer.invert")]
    [InlineData("""{"type":"Punctuation","behavior":3}""", "pre_tokenizer.behavior")]
    [InlineData("""{"type":"ByteLevel","add_prefix_space":"no"}""", "pre_tokenizer.add_prefix_space")]
    public void Malformed_pre_tokenizers_fail_with_the_json_path(string json, string path)
    {
        var element = JsonDocument.Parse(json).RootElement.Clone();
        var error = Assert.Throws<TokenizerFormatException>(() => PreTokenizerFactory.Create(new TokenizerJson(element, "test.json", "pre_tokenizer")));
        Assert.Equal(path, error.JsonPath);
    }

    [Fact]
    public void Only_a_sub_piece_at_the_parent_start_keeps_at_start()
    {
        var output = new List<Piece>();
        new ByteLevelPreTokenizer(addPrefixSpace: true, useRegex: true).Split(new Piece("hi there", true), output);
        Assert.Equal([new Piece("Ġhi", true), new Piece("Ġthere", false)], output);

        output.Clear();
        WhitespaceSplitPreTokenizer.Instance.Split(new Piece("  hi there", true), output);
        Assert.Equal([new Piece("hi", false), new Piece("there", false)], output); // tokenizers: original offset 0 only

        output.Clear();
        new PunctuationPreTokenizer(SplitDelimiterBehavior.Isolated).Split(new Piece("a,b", false), output);
        Assert.All(output, p => Assert.False(p.AtStart));
    }

    [Fact]
    public void Gpt2_split_keeps_supplementary_letters_whole_and_uses_white_space_property()
    {
        var output = new List<Piece>();
        new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true).Split(new Piece("a𠀀b \u001fx\u3000 y", true), output);
        // U+001F is not White_Space, so the space joins it as "other"; U+3000 is, and does not take the space's place.
        var decoded = output.Select(p => ByteLevelDecoder.Instance.Decode([p.Text])).ToArray();
        Assert.Equal(["a𠀀b", " \u001f", "x", "\u3000", " y"], decoded);
    }

    [Fact]
    public void Byte_level_decoder_replaces_invalid_utf8_and_passes_foreign_tokens_through()
    {
        var decoder = ByteLevelDecoder.Instance;
        Assert.Equal("Hello world", decoder.Decode(["Hello", "Ġworld"]));
        Assert.Equal(" \uFFFD", decoder.Decode(["Ġ", "ð", "ł", "Ģ"]));   // F0 A0 80: truncated 4-byte sequence, one U+FFFD
        Assert.Equal("\uFFFD\uFFFD", decoder.Decode(["\u00FF", "\u00FE"])); // FF and FE are never valid UTF-8
        Assert.Equal("a[CLS]", decoder.Decode(["a", "[CLS]"]));          // printable ASCII stands for itself
        Assert.Equal("a\uFFFD", decoder.Decode(["a", "é"]));            // U+00E9 stands for byte E9, invalid alone
        Assert.Equal("a€", decoder.Decode(["a", "€"]));                  // not in the alphabet: the token's own UTF-8
    }

    [Fact]
    public void Byte_level_post_processor_adds_nothing_and_keeps_type_ids()
    {
        var processor = ByteLevelPostProcessor.Instance;
        Assert.Equal(0, processor.AddedTokens(true));
        var result = processor.Process([TokenSequence.Of([1, 2], 0), TokenSequence.Of([3], 1)]);
        Assert.Equal([0, 0], result[0].TypeIds);
        Assert.Equal([1], result[1].TypeIds);
    }

    [Fact]
    public void Alphabet_maps_all_256_bytes_to_distinct_printable_characters()
    {
        var chars = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.ToChar((byte)b)).ToArray();
        Assert.Equal(256, chars.Distinct().Count());
        Assert.Equal('Ġ', ByteLevelAlphabet.ToChar((byte)' '));
        Assert.Equal('Ċ', ByteLevelAlphabet.ToChar((byte)'\n'));
        Assert.Equal('!', ByteLevelAlphabet.ToChar((byte)'!'));
        for (int b = 0; b < 256; b++) Assert.True(ByteLevelAlphabet.TryToByte(chars[b], out byte back) && back == b);
    }
}
