using System.Text.Json;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Experiments;

/// <summary>A temp folder with a tiny query-pos-neg dataset and a valid experiment over the bert-tiny fixture model.</summary>
public sealed class ExperimentFixture : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public ExperimentFixture()
    {
        TrainPath = _directory.File("train.jsonl");
        string[] topics = ["cat", "dog", "bird", "fish", "tree", "car", "book", "song", "rain", "sun"];
        File.WriteAllLines(TrainPath, topics.Select((t, i) => JsonSerializer.Serialize(new
        {
            query = $"what is a {t}",
            pos = new[] { $"a {t} is a thing called {t}" },
            neg = new[] { $"a {topics[(i + 1) % topics.Length]} is something else", $"the {topics[(i + 3) % topics.Length]} was here" },
        })));
    }

    public string Root => _directory.Path;

    public string TrainPath { get; }

    public static string Model => FixtureModels.Directory("bert-tiny");

    /// <summary>A valid experiment; <paramref name="extra"/> is appended (later keys of a section need their own section line).</summary>
    public string ValidYaml(string extra = "") => $"""
        name: tiny
        model:
          name_or_path: {Model}
        data:
          train:
            path: {TrainPath}
            format: query-pos-neg
          eval:
            split_from_train: 3
        loss:
          name: listwise-ce
          group_size: 3
        training:
          max_steps: 2
          batch_size: 2
          learning_rate: 1.0e-4
          save_steps: 0
          logging_steps: 1
        output:
          dir: {Path.Combine(Root, "outputs")}
        {extra}
        """;

    public string Write(string yaml, string name = "exp.yml")
    {
        string path = _directory.File(name);
        File.WriteAllText(path, yaml);
        return path;
    }

    public void Dispose() => _directory.Dispose();
}
