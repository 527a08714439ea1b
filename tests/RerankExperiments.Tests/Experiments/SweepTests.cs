using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Config;

namespace RerankExperiments.Tests.Experiments;

/// <summary>Sweep expansion: counts, order, values, names, hashes; extends and --set layering.</summary>
public sealed class SweepTests : IDisposable
{
    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    ExperimentPlan Load(string extra, IEnumerable<string>? overrides = null) =>
        ExperimentLoader.Load(_fixture.Write(_fixture.ValidYaml(extra)), overrides, _ => null);

    [Fact]
    public void Grid_is_the_product_first_parameter_slowest()
    {
        var plan = Load("sweep:\n  parameters:\n    training.learning_rate: [1.0e-5, 3.0e-5]\n    loss.name: [listwise-ce, bce, listnet]");
        Assert.Equal(6, plan.Trials.Count);
        Assert.Equal([1e-5, 1e-5, 1e-5, 3e-5, 3e-5, 3e-5], plan.Trials.Select(t => t.Spec.Training.LearningRate));
        Assert.Equal(["listwise-ce", "bce", "listnet", "listwise-ce", "bce", "listnet"], plan.Trials.Select(t => t.Spec.Loss.Name));
        Assert.Equal("t00 learning_rate=1.0e-5, loss.name=listwise-ce", plan.Trials[0].Name);
        Assert.Equal(Enumerable.Range(0, 6), plan.Trials.Select(t => t.Index));
        Assert.Equal(6, plan.Trials.Select(t => t.ConfigHash).Distinct().Count());
    }

    [Fact]
    public void Zip_takes_lists_side_by_side()
    {
        var plan = Load("sweep:\n  method: zip\n  parameters:\n    training.learning_rate: [1.0e-5, 2.0e-5, 3.0e-5]\n    training.seed: [1, 2, 3]");
        Assert.Equal([(1e-5, 1L), (2e-5, 2L), (3e-5, 3L)], plan.Trials.Select(t => (t.Spec.Training.LearningRate, t.Spec.Training.Seed)));
    }

    [Fact]
    public void Zip_lists_of_different_lengths_are_an_error()
    {
        string path = _fixture.Write(_fixture.ValidYaml("sweep:\n  method: zip\n  parameters:\n    training.learning_rate: [1.0e-5, 2.0e-5]\n    training.seed: [1, 2, 3]"));
        var error = Assert.Throws<ExperimentConfigException>(() => ExperimentLoader.Load(path, null, _ => null));
        Assert.Contains("a zip sweep needs lists of one length", error.Message);
    }

    [Fact]
    public void Random_draws_are_seeded_in_range_and_rounded()
    {
        const string sweep = "sweep:\n  method: random\n  trials: 20\n  seed: 7\n  parameters:\n    training.learning_rate: {loguniform: [1.0e-6, 1.0e-3]}\n"
            + "    training.warmup_ratio: {uniform: [0.0, 0.2]}\n    training.batch_size: {int: [1, 3]}\n    loss.name: {choice: [bce, listnet]}";
        var first = Load(sweep);
        var again = Load(sweep);
        Assert.Equal(20, first.Trials.Count);
        Assert.Equal(first.Trials.Select(t => t.Name), again.Trials.Select(t => t.Name));
        foreach (var trial in first.Trials)
        {
            var options = trial.Spec.Training;
            Assert.InRange(options.LearningRate, 1e-6, 1e-3);
            Assert.InRange(options.WarmupRatio, 0, 0.2);
            Assert.InRange(options.BatchSize, 1, 3);
            Assert.Contains(trial.Spec.Loss.Name, new[] { "bce", "listnet" });
            Assert.Equal(options.LearningRate, double.Parse(options.LearningRate.ToString("G6", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture));
        }
        // 20 draws of {1, 2, 3} and of two names: all values appear (int is inclusive of both ends).
        Assert.Equal([1, 2, 3], first.Trials.Select(t => t.Spec.Training.BatchSize).Distinct().Order());
        Assert.Equal(2, first.Trials.Select(t => t.Spec.Loss.Name).Distinct().Count());
        // Log-uniform over three decades: draws land in more than one decade.
        Assert.True(first.Trials.Select(t => Math.Floor(Math.Log10(t.Spec.Training.LearningRate))).Distinct().Count() > 1);
        var other = Load(sweep.Replace("seed: 7", "seed: 8"));
        Assert.NotEqual(first.Trials.Select(t => t.Name), other.Trials.Select(t => t.Name));
    }

    [Fact]
    public void Config_hash_is_stable_and_ignores_tracking_but_not_settings()
    {
        var a = Assert.Single(Load("").Trials);
        var b = Assert.Single(Load("tracking:\n  uri: elsewhere\ndescription: a note").Trials);
        var c = Assert.Single(Load("", ["training.seed=5"]).Trials);
        Assert.Equal(a.ConfigHash, b.ConfigHash);
        Assert.NotEqual(a.ConfigHash, c.ConfigHash);
        Assert.Equal(5, c.Spec.Training.Seed);
    }

    [Fact]
    public void Extends_merges_sections_and_the_child_wins()
    {
        string basePath = _fixture.Write(_fixture.ValidYaml().Replace("name: tiny", "name: base"), "base.yml");
        string child = _fixture.Write($"extends: {Path.GetFileName(basePath)}\nname: child\ntraining:\n  learning_rate: 3.0e-5\n", "child.yml");
        var spec = Assert.Single(ExperimentLoader.Load(child, null, _ => null).Trials).Spec;
        Assert.Equal("child", spec.Name);
        Assert.Equal(3e-5, spec.Training.LearningRate);
        Assert.Equal(2, spec.Training.BatchSize);
        Assert.Equal(2, spec.Training.MaxSteps);
    }

    [Fact]
    public void Set_overrides_and_creates_sections()
    {
        var spec = Assert.Single(Load("", ["training.learning_rate=3e-5", "mining.num_negatives=2", "eval=[{name: dev, at_k: 5}]", "eval.0.at_k=7"]).Trials).Spec;
        Assert.Equal(3e-5, spec.Training.LearningRate);
        Assert.Equal(2, spec.Mining!.Options.NumNegatives);
        Assert.Equal(("dev", 7), (Assert.Single(spec.Eval).Name, spec.Eval[0].AtK));
    }

    [Fact]
    public void Tracking_uri_comes_from_the_environment_when_absent()
    {
        var plan = ExperimentLoader.Load(_fixture.Write(_fixture.ValidYaml()), null, name => name == "MLFLOW_TRACKING_URI" ? "http://mlflow:5000" : null);
        Assert.Equal("http://mlflow:5000", plan.Spec.Tracking.Uri);
    }

    [Fact]
    public void Resolved_yaml_reads_back_to_the_same_hash()
    {
        var trial = Load("sweep:\n  parameters:\n    training.learning_rate: [1.0e-5]\n    training.metric_for_best_model: [\"eval: a, b\"]").Trials[0];
        var reread = (ConfigMapping)YamlConfigReader.Read(trial.ResolvedYaml, "resolved.yml");
        Assert.Equal(trial.ConfigHash, ExperimentLoader.Hash(reread));
        Assert.Equal("eval: a, b", ((ConfigScalar)((ConfigMapping)reread["training"]!)["metric_for_best_model"]!).Text);
    }
}
