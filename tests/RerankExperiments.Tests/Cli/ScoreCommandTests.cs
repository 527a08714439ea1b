using System.Globalization;
using System.Text.Json;
using RerankExperiments.Cli.Commands;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Cli;

public sealed class ScoreCommandTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("bert-tiny")]
    [InlineData("xlmr-tiny")]
    [InlineData("modernbert-cls-tiny")]
    [InlineData("modernbert-mean-tiny")]
    public void Scores_every_line_in_order_with_the_default_activation(string model)
    {
        string input = _directory.File("pairs.jsonl"), output = _directory.File("scores.jsonl");
        File.WriteAllLines(input, FixtureModels.Pairs().Select(p => JsonSerializer.Serialize(new { query = p.Query, passage = p.Passage })));
        var errors = new StringWriter();
        int code = ScoreCommand.Run(FixtureModels.Directory(model), input, output, 8, FixtureModels.MaxLength(model), null, "cpu", "fp32", errors);
        Assert.True(code == 0, errors.ToString());
        var scores = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("score").GetDouble()).ToList();
        var expected = FixtureModels.ExpectedScores(model);
        Assert.Equal(expected.Count, scores.Count);
        for (int i = 0; i < scores.Count; i++) Assert.True(Math.Abs(scores[i] - expected[i].Predict) <= 1e-4, $"line {i + 1}");

        Assert.Equal(0, ScoreCommand.Run(FixtureModels.Directory(model), input, output, 8, FixtureModels.MaxLength(model), "none", "cpu", "fp32", errors));
        var logits = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("score").GetDouble()).ToList();
        for (int i = 0; i < logits.Count; i++) Assert.True(Math.Abs(logits[i] - expected[i].Logit) <= 1e-4, $"line {i + 1}");
    }

    [Fact]
    public void Bad_input_and_models_are_named()
    {
        string input = _directory.File("bad.jsonl");
        File.WriteAllLines(input, ["{\"query\": \"q\", \"passage\": \"p\"}", "{\"query\": 1}"]);
        var errors = new StringWriter();
        Assert.Equal(2, ScoreCommand.Run(FixtureModels.Directory("bert-tiny"), input, null, 8, null, null, "cpu", "fp32", errors));
        Assert.Contains($"{input}:2", errors.ToString());
        errors = new StringWriter();
        string good = _directory.File("good.jsonl");
        File.WriteAllLines(good, ["{\"query\": \"q\", \"passage\": \"p\"}"]);
        Assert.Equal(2, ScoreCommand.Run(_directory.File("nope"), good, null, 8, null, null, "cpu", "fp32", errors));
        Assert.Contains("nope", errors.ToString());
        Assert.Equal(2, ScoreCommand.Run(FixtureModels.Directory("bert-tiny"), input, null, 8, null, "softmax", "cpu", "fp32", new StringWriter()));
    }
}
