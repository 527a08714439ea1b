using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tests.Tokenization;

/// <summary>Malformed tokenizer files get a TokenizerFormatException naming the file and the field; never a crash.</summary>
[Trait("Category", "Faults")]
public sealed class MalformedTokenizerTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    TokenizerFormatException Rejected(string json)
    {
        string path = _directory.File("tokenizer.json");
        File.WriteAllText(path, json);
        var error = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.Load(path));
        Assert.Contains(path, error.Message);
        return error;
    }

    const string Model = """{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"a":1}}""";

    [Fact]
    public void Truncated_json_names_the_position()
    {
        string whole = File.ReadAllText(Fixtures.Path("hf", "bert-tiny", "tokenizer.json"));
        Assert.Contains("not valid JSON", Rejected(whole[..(whole.Length / 2)]).Message);
    }

    [Fact]
    public void An_unknown_component_type_is_named_with_the_supported_ones()
    {
        var error = Rejected($$"""{"normalizer":{"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"FancyNorm"}]},"model":{{Model}}}""");
        Assert.Equal("normalizer.normalizers[1].type", error.JsonPath);
        Assert.Contains("'FancyNorm' is not supported", error.Message);
        Assert.Contains("BertNormalizer", error.Message);
        Assert.Contains("'Nope'", Rejected($$"""{"pre_tokenizer":{"type":"Nope"},"model":{{Model}}}""").Message);
        Assert.Contains("'Nope'", Rejected($$"""{"post_processor":{"type":"Nope"},"model":{{Model}}}""").Message);
        Assert.Contains("'Nope'", Rejected($$"""{"decoder":{"type":"Nope"},"model":{{Model}}}""").Message);
        Assert.Contains("'Nope'", Rejected("""{"model":{"type":"Nope"}}""").Message);
    }

    [Fact]
    public void Wrong_types_and_missing_fields_name_the_field()
    {
        Assert.Equal("model", Rejected("""{"normalizer":null}""").JsonPath);
        Assert.Equal("normalizer.lowercase", Rejected($$"""{"normalizer":{"type":"BertNormalizer","lowercase":"yes"},"model":{{Model}}}""").JsonPath);
        Assert.Equal("model.vocab.a", Rejected("""{"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"a":"one"}}}""").JsonPath);
        Assert.Contains("unk_token", Rejected("""{"model":{"type":"WordPiece","unk_token":"[X]","vocab":{"a":0}}}""").Message);
        Assert.Equal("added_tokens[0].content", Rejected($$"""{"added_tokens":[{"id":0}],"model":{{Model}}}""").JsonPath);
        Assert.Contains("not a JSON object", Rejected("[1,2,3]").Message);
        Assert.Contains("special token '[CLS]'", Rejected($$$"""{"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"[CLS]","type_id":0}}],"pair":[],"special_tokens":{}},"model":{{{Model}}}}""").Message);
    }

    [Fact]
    public void A_missing_tokenizer_is_a_clear_error()
    {
        Assert.Contains("holds neither", Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.Load(_directory.Path)).Message);
        Assert.Contains("does not exist", Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.Load(_directory.File("none.json"))).Message);
    }

    /// <summary>Found by TokenizerJsonFuzzTests: a bad byte inside a string used to escape as an InvalidOperationException.</summary>
    [Fact]
    public void Invalid_utf8_inside_a_string_names_the_line()
    {
        string path = _directory.File("tokenizer.json");
        File.WriteAllBytes(path, [.. "{\n\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\",\n\"vocab\": {\"[UNK]\": 0, \"caf"u8, 0xE9, .. "\": 1}}}"u8]);
        var error = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("not valid UTF-8 (line 3, byte 27)", error.Message);
    }

    [Fact]
    public void A_lone_surrogate_escape_is_a_format_error() =>
        Assert.Contains("unk_token", Rejected("""{"model":{"type":"WordPiece","unk_token":"\ud800","vocab":{"[UNK]":0}}}""").Message);

    [Fact]
    public void An_unknown_truncation_strategy_names_the_field() =>
        Assert.Equal("truncation.strategy", Rejected($$"""{"truncation":{"max_length":8,"strategy":"middle_out"},"model":{{Model}}}""").JsonPath);

    /// <summary>Found by TokenizerJsonFuzzTests: a negative id indexed an array, a huge one sized it.</summary>
    [Fact]
    public void Negative_and_huge_wordpiece_ids_are_handled()
    {
        Assert.Equal("model.vocab.a", Rejected("""{"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"a":-7}}}""").JsonPath);
        string path = _directory.File("tokenizer.json");
        File.WriteAllText(path, """{"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"a":2147483647}}}""");
        var tokenizer = TokenizerLoader.Load(path);
        Assert.Equal("a", tokenizer.IdToToken(int.MaxValue));
    }
}
