using System.Buffers.Binary;
using System.Text;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Normalizers;
using static RerankExperiments.Tests.Tokenization.SentencePieceTestData;

namespace RerankExperiments.Tests.Tokenization;

/// <summary>Loading rules of the Precompiled normalizer; its output is checked against goldens in XlmrTinyPipelineTests.</summary>
public sealed class PrecompiledNormalizerTests
{
    static PrecompiledNormalizer FromBase64(string base64) =>
        PrecompiledNormalizer.FromJson(Json($$"""{"type":"Precompiled","precompiled_charsmap":"{{base64}}"}""", "normalizer"));

    static string Charsmap(uint trieSize, uint[] units, byte[] blob)
    {
        var bytes = new byte[4 + 4 * units.Length + blob.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, trieSize);
        for (int i = 0; i < units.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 + 4 * i), units[i]);
        blob.CopyTo(bytes, 4 + 4 * units.Length);
        return Convert.ToBase64String(bytes);
    }

    static string XlmrCharsmap()
    {
        using var tokenizer = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Fixtures.Path("hf", "xlmr-tiny", "tokenizer.json")));
        return tokenizer.RootElement.GetProperty("normalizer").GetProperty("normalizers")[0].GetProperty("precompiled_charsmap").GetString()!;
    }

    [Theory]
    [InlineData("""{"type":"Precompiled"}""")]
    [InlineData("""{"type":"Precompiled","precompiled_charsmap":null}""")]
    [InlineData("""{"type":"Precompiled","precompiled_charsmap":""}""")]
    public void Missing_or_empty_charsmap_is_the_identity(string json)
    {
        var normalizer = PrecompiledNormalizer.FromJson(Json(json));
        Assert.Equal("ＡＢＣ ﬂ", normalizer.Normalize("ＡＢＣ ﬂ"));
    }

    [Fact]
    public void Malformed_charsmaps_are_format_errors()
    {
        string real = XlmrCharsmap();
        byte[] realBytes = Convert.FromBase64String(real);
        var cases = new Dictionary<string, string>
        {
            ["not base64"] = "!!not base64!!",
            ["shorter than the header"] = Convert.ToBase64String([1, 0, 0]),
            ["truncated trie"] = Convert.ToBase64String(realBytes[..1000]),
            ["empty trie"] = Charsmap(0, [], [(byte)'a', 0]),
            ["blob not UTF-8"] = Charsmap(4, [0], [0xFF, 0xFE, 0]),
        };
        foreach (var (name, base64) in cases)
        {
            var error = Assert.Throws<TokenizerFormatException>(() => FromBase64(base64));
            Assert.True(error.Message.StartsWith("test.json: normalizer.precompiled_charsmap", StringComparison.Ordinal), $"{name}: {error.Message}");
        }
        var wrongType = Assert.Throws<TokenizerFormatException>(() =>
            PrecompiledNormalizer.FromJson(Json("""{"type":"Precompiled","precompiled_charsmap":[1,2]}""", "normalizer")));
        Assert.Contains("normalizer.precompiled_charsmap", wrongType.Message);
    }

    /// <summary>A well-formed header around nonsense units walks off the arrays; that is no match, never a crash.</summary>
    [Fact]
    public void Corrupt_trie_units_never_crash()
    {
        var text = "ＡＢＣ ﬂ abc é 𝔘 👨‍👩‍👧 \u0000";
        foreach (uint unit in new uint[] { 0x12345678, 0xFFFFFFFF, 0x00000141, 0x7FFFFF00 })
        {
            var normalizer = FromBase64(Charsmap(8, [unit, unit ^ 0x155], Encoding.UTF8.GetBytes("xyz\0")));
            _ = normalizer.Normalize(text);
        }
    }

    [Fact]
    public void Unchanged_text_is_returned_as_is()
    {
        var normalizer = XlmrTiny.Load().Precompiled;
        string text = "plain ascii text";
        Assert.Same(text, normalizer.Normalize(text));
    }
}
