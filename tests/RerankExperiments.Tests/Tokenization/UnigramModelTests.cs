using System.Text.Json;
using RerankExperiments.Tokenization;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Models;
using RerankExperiments.Tokenization.PreTokenizers;
using static RerankExperiments.Tests.Tokenization.SentencePieceTestData;

namespace RerankExperiments.Tests.Tokenization;

public sealed class UnigramModelTests
{
    static UnigramModel Model(string vocab, string extra = """, "unk_id": 0""") =>
        UnigramModel.FromJson(Json($$"""{"type":"Unigram","vocab":{{vocab}}{{extra}}}""", "model"));

    static List<int> Tokenize(UnigramModel model, string text)
    {
        var ids = new List<int>();
        model.Tokenize(text, ids);
        return ids;
    }

    /// <summary>
    /// By hand: "abcdacdxx" — abcd (10) beats abc+d (5+0) and ab+cd (2+1); then "acd": a+cd (0+1) beats a+c+d (0);
    /// "xx": no piece covers x, so two unk edges (min_score 0 − 10 each), fused into one unk id.
    /// </summary>
    [Fact]
    public void Viterbi_picks_the_best_total_score_and_fuses_unknowns()
    {
        var model = Model("""[["<unk>",0],["a",0],["b",0],["c",0],["d",0],["cd",1],["ab",2],["abc",5],["abcd",10]]""");
        Assert.Equal([8, 1, 5, 0], Tokenize(model, "abcdacdxx"));
        Assert.Equal([0, 1, 0], Tokenize(model, "x☃a𝔘y")); // a surrogate pair is one character

        Assert.Empty(Tokenize(model, ""));
    }

    /// <summary>
    /// Equal totals keep the first path found (strict &gt;): "ab" reaches position 2 from position 0 before "a"+"b"
    /// does from position 1; in "abc", a+bc (−3, found from position 1) beats ab+c (−3, found from position 2).
    /// </summary>
    [Fact]
    public void Ties_keep_the_first_path_found()
    {
        var model = Model("""[["<unk>",-5],["a",-1],["b",-1],["ab",-2]]""");
        Assert.Equal([3], Tokenize(model, "ab"));
        var abc = Model("""[["<unk>",-5],["a",-1],["bc",-2],["ab",-2],["c",-1]]""");
        Assert.Equal([1, 2], Tokenize(abc, "abc"));
    }

    /// <summary>An unk edge is added only when no piece is exactly one character, and a literal unk piece fuses.</summary>
    [Fact]
    public void Unknown_edges_and_literal_unk_pieces()
    {
        // "xy" exists but "x" does not: x also gets an unk edge (min_score −15 − 10 = −25), which loses to "xy".
        var model = Model("""[["<unk>",0],["xy",-1],["y",-15]]""");
        Assert.Equal([1], Tokenize(model, "xy"));
        // The literal piece "<unk>" has the unk id, so it fuses with the following unknown "z" into "<unk>z",
        // which is not a piece: the run becomes one unk id.
        var literal = Model("""[["<unk>",0],["a",-1]]""");
        Assert.Equal([0, 1], Tokenize(literal, "<unk>za"));
    }

    [Fact]
    public void Duplicate_pieces_resolve_to_the_last_id()
    {
        var model = Model("""[["<unk>",0],["a",-1],["a",-3]]""");
        Assert.Equal(2, model.TokenToId("a"));
        Assert.Equal([2], Tokenize(model, "a"));
        Assert.Equal(3, model.VocabularySize);
        Assert.Equal("a", model.IdToToken(1));
        Assert.Null(model.IdToToken(3));
        Assert.Null(model.IdToToken(-1));
        Assert.Null(model.TokenToId("b"));
    }

    [Fact]
    public void Without_unk_id_an_uncovered_character_is_an_error()
    {
        var model = Model("""[["a",-1]]""", "");
        Assert.Equal([0, 0], Tokenize(model, "aa"));
        Assert.Contains("no unk_id", Assert.Throws<TokenizationException>(() => Tokenize(model, "ab")).Message);
    }

    /// <summary>xlmr-tiny's vocabulary plus &lt;0xHH&gt; pieces with byte_fallback, no normalizer (tokenizers 0.23.2).</summary>
    [Fact]
    public void Byte_fallback_matches_the_reference_goldens()
    {
        string path = Fixtures.Path("tokenizers", "unigram", "byte_fallback_tokenizer.json");
        var root = new TokenizerJson(JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(path)), path, "");
        var model = UnigramModel.FromJson(root.Required("model"));
        var metaspace = MetaspacePreTokenizer.FromJson(root.Required("pre_tokenizer"));
        var rows = Rows("byte_fallback_goldens.jsonl");
        var failures = new List<string>();
        foreach (var row in rows)
        {
            var pieces = new List<Piece>();
            metaspace.Split(new Piece(row.Str("text"), AtStart: true), pieces);
            var ids = new List<int>();
            foreach (var piece in pieces) model.Tokenize(piece.Text, ids);
            if (!ids.SequenceEqual(row.Ints("ids")))
                failures.Add($"{JsonSerializer.Serialize(row.Str("text"))}: expected [{string.Join(",", row.Ints("ids"))}], got [{string.Join(",", ids)}]");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {rows.Count} differ:\n" + string.Join("\n", failures));
        Assert.Contains(rows, row => row.Strings("tokens").Any(t => t.StartsWith("<0x", StringComparison.Ordinal)));
    }

    [Fact]
    public void Byte_fallback_falls_back_to_unk_when_a_byte_piece_is_missing()
    {
        var model = Model("""[["<unk>",0],["a",-1],["<0xC3>",-2],["<0xA9>",-2]]""", """, "unk_id": 0, "byte_fallback": true""");
        Assert.Equal([1, 2, 3], Tokenize(model, "aé"));
        Assert.Equal([1, 0], Tokenize(model, "a☃")); // E2 98 83 are not pieces
    }

    [Theory]
    [InlineData("""{"type":"Unigram","unk_id":0}""")] // vocab missing
    [InlineData("""{"type":"Unigram","vocab":{}}""")]
    [InlineData("""{"type":"Unigram","vocab":[["a"]]}""")]
    [InlineData("""{"type":"Unigram","vocab":[["a",1,2]]}""")]
    [InlineData("""{"type":"Unigram","vocab":[[1,1]]}""")]
    [InlineData("""{"type":"Unigram","vocab":[["a","-1"]]}""")]
    [InlineData("""{"type":"Unigram","vocab":["a"]}""")]
    [InlineData("""{"type":"Unigram","vocab":[["a",-1]],"unk_id":1}""")]
    [InlineData("""{"type":"Unigram","vocab":[["a",-1]],"unk_id":-1}""")]
    [InlineData("""{"type":"Unigram","vocab":[["a",-1]],"unk_id":"0"}""")]
    [InlineData("""{"type":"Unigram","vocab":[],"unk_id":0}""")]
    [InlineData("""{"type":"Unigram","vocab":[["a",-1]],"byte_fallback":1}""")]
    public void Malformed_json_is_a_format_error(string json)
    {
        var error = Assert.Throws<TokenizerFormatException>(() => UnigramModel.FromJson(Json(json, "model")));
        Assert.StartsWith("test.json: model", error.Message);
    }

    [Fact]
    public void Concurrent_use_gives_the_same_ids()
    {
        var pipeline = XlmrTiny.Load();
        var texts = Rows("xlmr_tiny_goldens.jsonl").Select(r => (Text: r.Str("text"), Ids: r.Ints("ids"))).ToList();
        Parallel.For(0, 4, _ =>
        {
            foreach (var (text, ids) in texts) Assert.Equal(ids, pipeline.Encode(text));
        });
    }
}
