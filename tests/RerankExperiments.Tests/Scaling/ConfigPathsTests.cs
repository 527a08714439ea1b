using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Tests.Experiments;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Scaling;

/// <summary>
/// --base-dir: an experiment with relative paths, loaded from elsewhere (a job's own folder), binds its paths against
/// the base — data, output.dir, tracking folder — while a Hub name stays a Hub name, and its config and sweep hashes
/// are those of the file loaded where it was written.
/// </summary>
public sealed class ConfigPathsTests : IDisposable
{
    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Relative_paths_are_bound_against_the_base_and_the_hashes_do_not_change()
    {
        string yaml = _fixture.ValidYaml("tracking:\n  uri: runs\nsweep:\n  parameters:\n    training.learning_rate: [1.0e-4, 3.0e-4]")
            .Replace(_fixture.TrainPath, "data/train.jsonl", StringComparison.Ordinal)
            .Replace($"dir: {Path.Combine(_fixture.Root, "outputs")}", "dir: outputs", StringComparison.Ordinal);
        string file = _fixture.Write(yaml);
        // Two base folders with the same relative layout (a repository checked out on two machines).
        using var other = new TemporaryDirectory();
        foreach (var root in new[] { _fixture.Root, other.Path })
        {
            Directory.CreateDirectory(Path.Combine(root, "data"));
            File.Copy(_fixture.TrainPath, Path.Combine(root, "data", "train.jsonl"), overwrite: true);
        }

        var here = ExperimentLoader.Load(file, null, _ => null, _fixture.Root);
        var there = ExperimentLoader.Load(file, null, _ => null, other.Path);
        var spec = there.Trials[0].Spec;
        Assert.Equal(Path.Combine(other.Path, "data", "train.jsonl"), spec.Data.Train.Path);
        Assert.Equal(Path.Combine(other.Path, "outputs"), spec.Output.Directory);
        Assert.Equal(Path.Combine(other.Path, "runs"), spec.Tracking.Uri);
        Assert.Equal(ExperimentFixture.Model, spec.Model.NameOrPath); // absolute: as written
        Assert.Equal(Path.Combine(_fixture.Root, "data", "train.jsonl"), here.Trials[0].Spec.Data.Train.Path);
        // Same trials, wherever they are loaded: the hashes and the logged config keep the paths as written.
        Assert.Equal(here.SweepHash, there.SweepHash);
        Assert.Equal(here.Trials.Select(t => t.ConfigHash), there.Trials.Select(t => t.ConfigHash));
        Assert.Contains("path: data/train.jsonl", there.Trials[0].ResolvedYaml);
        Assert.Contains("dir: outputs", there.Trials[0].ResolvedYaml);
    }

    [Fact]
    public void Hub_names_and_uris_stay_as_written()
    {
        var root = (ConfigMapping)YamlConfigReader.Read(
            "model:\n  name_or_path: BAAI/bge-reranker-base\ntracking:\n  uri: http://mlflow:5000\neval:\n  - path: hf:zeta-alpha-ai/NanoNFCorpus\nmerge:\n  with: base\n", "x.yml");
        var based = ConfigPaths.Absolutize(root, _fixture.Root);
        Assert.Equal(ConfigYamlWriter.Write(root), ConfigYamlWriter.Write(based));
    }
}
