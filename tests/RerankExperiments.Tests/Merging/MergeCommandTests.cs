using System.Text.Json;
using RerankExperiments.Cli.Commands;
using RerankExperiments.Merging;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Merging;

public sealed class MergeCommandTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    string Model(string name, long seed) => MergeTestModels.Create(_directory.File(name), FixtureModels.Directory("bert-tiny"), seed);

    [Fact]
    public void Merges_with_fixed_weights_and_prints_them()
    {
        string a = Model("a", 1), b = Model("b", 2), output = _directory.File("merged");
        var stdout = new StringWriter();
        var errors = new StringWriter();
        Assert.True(MergeCommand.Run([a, b], [0.75, 0.25], null, output, normalize: true, stdout, errors) == 0, errors.ToString());
        Assert.Contains($"weight 0.75  {a}", stdout.ToString());
        Assert.Contains($"weight 0.25  {b}", stdout.ToString());
        using var encoder = CrossEncoder.Load(output);
        Assert.Equal(FixtureModels.Pairs().Count, new Reranker(encoder).Score(FixtureModels.Pairs()).Length);
    }

    [Fact]
    public void Merges_with_weights_from_examples_and_prints_the_losses()
    {
        string a = Model("a", 1), b = Model("b", 2), output = _directory.File("merged"), examples = _directory.File("examples.jsonl");
        File.WriteAllLines(examples,
        [
            JsonSerializer.Serialize(new { query = "what is a reranker", pos = new[] { "a model that reorders passages" }, neg = new[] { "bread", "weather", "a poem" } }),
            JsonSerializer.Serialize(new { query = "capital of France", pos = new[] { "Paris is the capital of France" }, neg = new[] { "Berlin", "a cat" } }),
        ]);
        var stdout = new StringWriter();
        var errors = new StringWriter();
        var options = new AutoWeightOptions { ExamplesPath = examples, NegNumber = 3 };
        Assert.True(MergeCommand.Run([a, b], null, options, output, true, stdout, errors) == 0, errors.ToString());
        var lines = stdout.ToString().Split('\n');
        Assert.Equal(2, lines.Count(l => l.StartsWith("weight ", StringComparison.Ordinal) && l.Contains("  loss ")));
        Assert.Contains("temperature 5", stdout.ToString());
        Assert.Contains("| loss |", File.ReadAllText(Path.Combine(output, "README.md")));
    }

    [Fact]
    public void Bad_input_exits_2_with_a_clear_message()
    {
        string a = Model("a", 1), b = Model("b", 2), output = _directory.File("merged");
        string Fails(IReadOnlyList<string> models, double[]? weights, AutoWeightOptions? automatic = null)
        {
            var errors = new StringWriter();
            Assert.Equal(2, MergeCommand.Run(models, weights, automatic, output, true, new StringWriter(), errors));
            return errors.ToString();
        }

        Assert.Contains("1 weight(s) given for 2 model(s)", Fails([a, b], [1.0]));
        Assert.Contains(_directory.File("nope"), Fails([a, _directory.File("nope")], [0.5, 0.5]));
        Assert.Contains("tensor 'bert.embeddings.LayerNorm.bias'", Fails([a, FixtureModels.Directory("xlmr-tiny")], [0.5, 0.5]));
        Assert.Contains("either --weights", Fails([a, b], null));
        Assert.Contains("either --weights", Fails([a, b], [0.5, 0.5], new AutoWeightOptions { ExamplesPath = "x.jsonl" }));
        Assert.Contains("sum to", Fails([a, b], [0.5, 0.6]));
        Assert.False(Directory.Exists(output));
    }
}
