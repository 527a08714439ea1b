using System.Text.Json;
using RerankExperiments.Tokenization.Decoders;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.PreTokenizers;
using static RerankExperiments.Tests.Tokenization.SentencePieceTestData;

namespace RerankExperiments.Tests.Tokenization;

public sealed class MetaspaceTests
{
    static string SettingsJson(JsonElement row) =>
        $$"""{"type":"Metaspace","replacement":{{JsonSerializer.Serialize(row.Str("replacement"))}},"prepend_scheme":"{{row.Str("prepend_scheme")}}","split":{{(row.GetProperty("split").GetBoolean() ? "true" : "false")}}}""";

    /// <summary>Every scheme × split × replacement, pre-tokenizing and decoding (tokenizers 0.23.2).</summary>
    [Fact]
    public void Matches_the_reference_goldens()
    {
        var rows = Rows("metaspace_goldens.jsonl");
        var failures = new List<string>();
        foreach (var row in rows)
        {
            var json = Json(SettingsJson(row));
            if (row.TryGetProperty("pieces", out _))
            {
                var output = new List<Piece>();
                MetaspacePreTokenizer.FromJson(json).Split(new Piece(row.Str("text"), AtStart: true), output);
                var actual = output.Select(p => p.Text).ToArray();
                if (!actual.SequenceEqual(row.Strings("pieces")))
                    failures.Add($"{SettingsJson(row)} split {JsonSerializer.Serialize(row.Str("text"))}: expected {JsonSerializer.Serialize(row.Strings("pieces"))}, got {JsonSerializer.Serialize(actual)}");
            }
            else
            {
                string actual = MetaspaceDecoder.FromJson(json).Decode(row.Strings("tokens"));
                if (actual != row.Str("decoded"))
                    failures.Add($"{SettingsJson(row)} decode {JsonSerializer.Serialize(row.Strings("tokens"))}: expected {JsonSerializer.Serialize(row.Str("decoded"))}, got {JsonSerializer.Serialize(actual)}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {rows.Count} differ:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void First_scheme_prepends_only_at_the_start_and_only_the_first_piece_keeps_AtStart()
    {
        var first = MetaspacePreTokenizer.FromJson(Json("""{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":true}"""));
        var output = new List<Piece>();
        first.Split(new Piece("Hey friend", AtStart: true), output);
        first.Split(new Piece("after token", AtStart: false), output);
        Assert.Equal(
            [new Piece("▁Hey", true), new Piece("▁friend", false), new Piece("after", false), new Piece("▁token", false)],
            output);
    }

    [Fact]
    public void Legacy_fields_are_understood()
    {
        var legacy = MetaspaceSettings.FromJson(Json("""{"type":"Metaspace","replacement":"▁","add_prefix_space":true,"str_rep":"▁"}"""));
        Assert.Equal(new MetaspaceSettings("▁", PrependScheme.Always, true), legacy);
        var never = MetaspaceSettings.FromJson(Json("""{"type":"Metaspace","replacement":"_","add_prefix_space":false,"prepend_scheme":"never","split":false}"""));
        Assert.Equal(new MetaspaceSettings("_", PrependScheme.Never, false), never);
        var astral = MetaspaceSettings.FromJson(Json("""{"type":"Metaspace","replacement":"𝔘"}"""));
        Assert.Equal("𝔘", astral.Replacement);
    }

    [Fact]
    public void Decoder_drops_every_marker_of_the_first_token_unless_never()
    {
        var always = MetaspaceDecoder.FromJson(Json("""{"type":"Metaspace","replacement":"▁","prepend_scheme":"always"}"""));
        Assert.Equal("ab c", always.Decode(["▁a▁b", "▁c"]));
        var never = MetaspaceDecoder.FromJson(Json("""{"type":"Metaspace","replacement":"▁","prepend_scheme":"never"}"""));
        Assert.Equal(" a b c", never.Decode(["▁a▁b", "▁c"]));
        Assert.Equal("", always.Decode([]));
    }

    [Theory]
    [InlineData("""{"type":"Metaspace"}""")] // replacement is required
    [InlineData("""{"type":"Metaspace","replacement":""}""")]
    [InlineData("""{"type":"Metaspace","replacement":"ab"}""")]
    [InlineData("""{"type":"Metaspace","replacement":5}""")]
    [InlineData("""{"type":"Metaspace","replacement":"▁","prepend_scheme":"sometimes"}""")]
    [InlineData("""{"type":"Metaspace","replacement":"▁","prepend_scheme":true}""")]
    [InlineData("""{"type":"Metaspace","replacement":"▁","add_prefix_space":false}""")] // default scheme is always
    [InlineData("""{"type":"Metaspace","replacement":"▁","add_prefix_space":false,"prepend_scheme":"first"}""")]
    [InlineData("""{"type":"Metaspace","replacement":"▁","add_prefix_space":"yes"}""")]
    [InlineData("""{"type":"Metaspace","replacement":"▁","split":"true"}""")]
    [InlineData("""{"type":"Metaspace","replacement":"▁","str_rep":1}""")]
    [InlineData("""[]""")]
    public void Malformed_json_is_a_format_error(string json)
    {
        var error = Assert.Throws<TokenizerFormatException>(() => MetaspacePreTokenizer.FromJson(Json(json, "pre_tokenizer")));
        Assert.StartsWith("test.json: pre_tokenizer", error.Message);
        Assert.Throws<TokenizerFormatException>(() => MetaspaceDecoder.FromJson(Json(json, "decoder")));
    }
}
