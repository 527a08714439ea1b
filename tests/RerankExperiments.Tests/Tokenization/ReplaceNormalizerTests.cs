using System.Text.Json;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Normalizers;
using static RerankExperiments.Tests.Tokenization.SentencePieceTestData;

namespace RerankExperiments.Tests.Tokenization;

public sealed class ReplaceNormalizerTests
{
    static ReplaceNormalizer Make(JsonElement pattern, string content) =>
        ReplaceNormalizer.FromJson(Json($$"""{"type":"Replace","pattern":{{pattern.GetRawText()}},"content":{{JsonSerializer.Serialize(content)}}}"""));

    /// <summary>Literal and regex patterns, literal content with '$', empty matches, empty text (tokenizers 0.23.2).</summary>
    [Fact]
    public void Matches_the_reference_goldens()
    {
        var rows = Rows("replace_goldens.jsonl");
        var failures = new List<string>();
        foreach (var row in rows)
        {
            string actual = Make(row.GetProperty("pattern"), row.Str("content")).Normalize(row.Str("text"));
            if (actual != row.Str("normalized"))
                failures.Add($"{row.GetProperty("pattern").GetRawText()} on {JsonSerializer.Serialize(row.Str("text"))}: expected {JsonSerializer.Serialize(row.Str("normalized"))}, got {JsonSerializer.Serialize(actual)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {rows.Count} differ:\n" + string.Join("\n", failures));
    }

    [Theory]
    [InlineData("""{"type":"Replace","content":"x"}""")] // no pattern
    [InlineData("""{"type":"Replace","pattern":{"String":" "}}""")] // no content
    [InlineData("""{"type":"Replace","pattern":" ","content":"x"}""")] // pattern not an object
    [InlineData("""{"type":"Replace","pattern":{},"content":"x"}""")]
    [InlineData("""{"type":"Replace","pattern":{"String":" ","Regex":" "},"content":"x"}""")]
    [InlineData("""{"type":"Replace","pattern":{"Glob":"*"},"content":"x"}""")]
    [InlineData("""{"type":"Replace","pattern":{"Regex":3},"content":"x"}""")]
    [InlineData("""{"type":"Replace","pattern":{"Regex":"(unclosed"},"content":"x"}""")]
    [InlineData("""{"type":"Replace","pattern":{"String":" "},"content":false}""")]
    public void Malformed_json_is_a_format_error(string json)
    {
        var error = Assert.Throws<TokenizerFormatException>(() => ReplaceNormalizer.FromJson(Json(json, "normalizer")));
        Assert.StartsWith("test.json: normalizer", error.Message);
    }
}
