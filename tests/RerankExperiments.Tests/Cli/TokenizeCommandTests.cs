using System.Text.Json;
using RerankExperiments.Cli.Commands;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tests.Cli;

public sealed class TokenizeCommandTests
{
    static readonly string Model = Fixtures.Path("hf", "xlmr-tiny");

    static (int Code, List<JsonElement> Lines, string Errors) Run(string input, int? maxLength = null, string strategy = "longest_first", string? tokenizer = null)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int code = TokenizeCommand.Run(tokenizer ?? Model, maxLength, strategy, new StringReader(input), output, errors);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        return (code, lines, errors.ToString());
    }

    static int[] Ints(JsonElement row, string name) => row.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    [Fact]
    public void Writes_one_line_per_input_line_in_order_with_model_max_length_by_default()
    {
        var tokenizer = TokenizerLoader.Load(Model);
        string longText = string.Join(' ', Enumerable.Repeat("Größe: 5 µm; Ärger über Öl", 200));
        var (code, lines, errors) = Run($$"""
            {"text": "hello world"}
            {"text": "Crème brûlée", "text_pair": "北京欢迎你。"}
            {"text": {{JsonSerializer.Serialize(longText)}}}
            """);
        Assert.Equal(0, code);
        Assert.Equal("", errors);
        Assert.Equal(3, lines.Count);
        Assert.Equal(tokenizer.Encode("hello world").InputIds, Ints(lines[0], "input_ids"));
        Assert.Equal(tokenizer.EncodePair("Crème brûlée", "北京欢迎你。").InputIds, Ints(lines[1], "input_ids"));
        Assert.Equal(tokenizer.ModelMaxLength, Ints(lines[2], "input_ids").Length);
        Assert.All(lines, l => Assert.Equal(Ints(l, "input_ids").Length, Ints(l, "attention_mask").Length));
        Assert.All(lines, l => Assert.Equal(Ints(l, "input_ids").Length, Ints(l, "token_type_ids").Length));
    }

    [Fact]
    public void Max_length_and_strategy_apply()
    {
        var (code, lines, _) = Run("""{"text": "a b c d e f g h i j", "text_pair": "k l"}""", maxLength: 8, strategy: "only_first");
        Assert.Equal(0, code);
        var tokenizer = TokenizerLoader.Load(Model);
        Assert.Equal(tokenizer.EncodePair("a b c d e f g h i j", "k l", new TruncationOptions(8, TruncationStrategy.OnlyFirst)).InputIds, Ints(lines[0], "input_ids"));
        Assert.Equal(8, Ints(lines[0], "input_ids").Length);
    }

    [Fact]
    public void Bad_input_names_the_line_and_bad_tokenizers_the_file()
    {
        var (code, lines, errors) = Run("{\"text\": \"ok\"}\n{\"txt\": 1}\n");
        Assert.Equal(2, code);
        Assert.Single(lines);
        Assert.Contains("stdin line 2", errors);
        Assert.Contains("line 1", Run("not json").Errors);
        Assert.Equal(2, Run("{}", strategy: "shortest").Code);
        var missing = Run("{}", tokenizer: "/nonexistent/tokenizer.json");
        Assert.Equal(2, missing.Code);
        Assert.Contains("/nonexistent/tokenizer.json", missing.Errors);
        var cannotFit = Run("""{"text": "a b c d e f g h", "text_pair": "k l m n o p"}""", maxLength: 6, strategy: "only_first");
        Assert.Equal(1, cannotFit.Code);
        Assert.Contains("only_first", cannotFit.Errors);
    }
}
