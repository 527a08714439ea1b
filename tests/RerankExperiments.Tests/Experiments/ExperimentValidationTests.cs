using RerankExperiments.Cli.Commands;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Experiments;

/// <summary>
/// Bad experiments: each problem is reported with file:line:column and a message that says what to change, all problems
/// at once, before any work starts.
/// </summary>
[Trait("Category", "Faults")]
public sealed class ExperimentValidationTests : IDisposable
{
    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    ExperimentConfigException Fails(string yaml, IEnumerable<string>? overrides = null)
    {
        string path = _fixture.Write(yaml);
        var error = Assert.Throws<ExperimentConfigException>(() => ExperimentLoader.Load(path, overrides, _ => null));
        // The CLI reports the same problems, one per line with its position, and exits 2.
        var errors = new StringWriter();
        Assert.Equal(2, ValidateCommand.Run([path], overrides?.ToList() ?? [], _ => null, TextWriter.Null, errors));
        Assert.All(error.Errors, e => Assert.Contains(e.ToString(), errors.ToString()));
        return error;
    }

    /// <summary>Asserts one error contains <paramref name="fragment"/> at exp.yml:line:column.</summary>
    static void HasError(ExperimentConfigException error, string fragment, int line, int column, string file = "exp.yml")
    {
        var match = error.Errors.FirstOrDefault(e => e.ToString().Contains(fragment, StringComparison.Ordinal));
        Assert.True(match is not null, $"no error contains '{fragment}'; got:\n{error.Message}");
        Assert.NotNull(match!.Mark);
        Assert.Equal(file, Path.GetFileName(match.Mark!.Value.File));
        Assert.Equal((line, column), (match.Mark.Value.Line, match.Mark.Value.Column));
    }

    /// <summary>The 1-based line of the first line containing <paramref name="text"/> in <paramref name="yaml"/>.</summary>
    static int LineOf(string yaml, string text) => yaml.Split('\n').Select((l, i) => (l, i)).First(x => x.l.Contains(text, StringComparison.Ordinal)).i + 1;

    static int ColumnOf(string yaml, string text) => yaml.Split('\n').First(l => l.Contains(text, StringComparison.Ordinal)).IndexOf(text, StringComparison.Ordinal) + 1;

    /// <summary>Fails with <paramref name="fragment"/> at the line holding <paramref name="at"/>, at its column (or that of <paramref name="column"/> on that line).</summary>
    void Check(string yaml, string at, string fragment, string? column = null)
    {
        var error = Fails(yaml);
        int line = LineOf(yaml, at);
        string text = yaml.Split('\n')[line - 1];
        HasError(error, fragment, line, text.IndexOf(column ?? at, StringComparison.Ordinal) + 1);
    }

    [Fact]
    public void The_valid_experiment_loads()
    {
        var plan = ExperimentLoader.Load(_fixture.Write(_fixture.ValidYaml()), null, _ => null);
        var trial = Assert.Single(plan.Trials);
        Assert.Equal("tiny", trial.Spec.Name);
        Assert.Equal(2, trial.Spec.Training.MaxSteps);
        Assert.Equal(1e-4, trial.Spec.Training.LearningRate);
        Assert.Equal(3, trial.Spec.Training.GroupSize);
        Assert.Equal("runs", trial.Spec.Tracking.Uri);
        Assert.Equal("reranking", Assert.Single(trial.Spec.Eval).Type);
    }

    [Fact]
    public void Unknown_section_suggests_the_closest() =>
        Check(_fixture.ValidYaml("trainng:\n  seed: 3"), "trainng:", "trainng: unknown key (did you mean 'training'?)");

    [Fact]
    public void Unknown_nested_key_suggests_the_closest() =>
        Check(_fixture.ValidYaml().Replace("  learning_rate: 1.0e-4", "  learnig_rate: 1.0e-4"), "learnig_rate", "training.learnig_rate: unknown key (did you mean 'learning_rate'?)");

    [Fact]
    public void Wrong_type_names_the_value() =>
        Check(_fixture.ValidYaml().Replace("batch_size: 2", "batch_size: sixteen"), "sixteen", "training.batch_size: must be a whole number, not 'sixteen'");

    [Fact]
    public void Out_of_range_gives_the_range() =>
        Check(_fixture.ValidYaml().Replace("batch_size: 2", "batch_size: 0"), "batch_size: 0", "training.batch_size: is 0; must be ≥ 1", column: "0");

    [Fact]
    public void Warmup_ratio_above_one_is_out_of_range() =>
        Check(_fixture.ValidYaml().Replace("  save_steps: 0", "  save_steps: 0\n  warmup_ratio: 1.5"), "1.5", "training.warmup_ratio: is 1.5; must be between 0 and 1");

    [Fact]
    public void Missing_data_file_is_named()
    {
        var yaml = _fixture.ValidYaml().Replace(_fixture.TrainPath, "/nowhere/train.jsonl");
        Check(yaml, "/nowhere/train.jsonl", "data.train.path: '/nowhere/train.jsonl' does not exist");
    }

    [Fact]
    public void Unknown_loss_suggests_the_closest() =>
        Check(_fixture.ValidYaml().Replace("name: listwise-ce", "name: listwse-ce"), "listwse-ce", "loss.name: 'listwse-ce' is not one of");

    [Fact]
    public void Option_of_another_loss_is_an_unknown_key()
    {
        var yaml = _fixture.ValidYaml().Replace("  name: listwise-ce\n  group_size: 3", "  name: bce\n  scale: 3");
        Check(yaml, "scale: 3", "loss.scale: unknown key");
    }

    [Fact]
    public void Unknown_format_suggests_the_closest() =>
        Check(_fixture.ValidYaml().Replace("format: query-pos-neg", "format: pair"), "format: pair", "'pair' is not one of query-pos-neg, pairs, labeled-pairs, triplets (did you mean 'pairs'?)", column: "pair");

    [Fact]
    public void Yaml_syntax_error_has_its_position()
    {
        var error = Fails("name: x\nmodel: [unclosed\ndata: 1\n");
        var only = Assert.Single(error.Errors);
        Assert.Contains("YAML syntax", only.Message);
        Assert.Equal("exp.yml", Path.GetFileName(only.Mark!.Value.File));
        Assert.InRange(only.Mark.Value.Line, 2, 4);
    }

    [Fact]
    public void Duplicate_key_points_at_the_second() =>
        Check(_fixture.ValidYaml("name: again"), "name: again", "duplicate key 'name' (first at line 1)");

    [Fact]
    public void Missing_section_is_reported_at_the_mapping()
    {
        var yaml = _fixture.ValidYaml().Replace("loss:\n  name: listwise-ce\n  group_size: 3\n", "");
        var error = Fails(yaml);
        HasError(error, "loss: is required", 1, 1);
    }

    [Fact]
    public void Model_without_name_or_path()
    {
        var yaml = _fixture.ValidYaml().Replace($"  name_or_path: {ExperimentFixture.Model}", "  max_length: 64");
        HasError(Fails(yaml), "model.name_or_path: is required", LineOf(yaml, "max_length"), 3);
    }

    [Fact]
    public void Unknown_sweep_method_suggests_grid() =>
        Check(_fixture.ValidYaml("sweep:\n  method: gird\n  parameters:\n    training.seed: [1, 2]"), "gird", "sweep.method: 'gird' is not one of grid, random, zip (did you mean 'grid'?)");

    [Fact]
    public void Swept_path_with_a_typo_points_at_the_sweep()
    {
        var yaml = _fixture.ValidYaml("sweep:\n  parameters:\n    training.learnin_rate: [1.0e-5, 2.0e-5]");
        var error = Fails(yaml);
        HasError(error, "training.learnin_rate: unknown key (did you mean 'learning_rate'?)", LineOf(yaml, "[1.0e-5"), ColumnOf(yaml, "1.0e-5"));
    }

    [Fact]
    public void Bad_override_names_the_set_argument()
    {
        var error = Fails(_fixture.ValidYaml(), ["training.seed=1", "training.batch_size=abc"]);
        var match = Assert.Single(error.Errors);
        Assert.Equal("--set", match.Mark!.Value.File);
        Assert.Equal(2, match.Mark.Value.Line);
        Assert.Contains("training.batch_size: must be a whole number, not 'abc'", match.ToString());
    }

    [Fact]
    public void Merge_weights_must_match_the_models() =>
        Check(_fixture.ValidYaml("merge:\n  with: base\n  weights: [0.2, 0.3, 0.5]"), "weights:", "merge.weights: has 3 weight(s) for 2 models", column: "[0.2");

    [Fact]
    public void Merge_weights_must_sum_to_one() =>
        Check(_fixture.ValidYaml("merge:\n  weights: [0.7, 0.7]"), "weights:", "sum to 1.4; they must sum to 1", column: "[0.7");

    [Fact]
    public void Split_fraction_above_one_is_rejected() =>
        Check(_fixture.ValidYaml().Replace("split_from_train: 3", "split_from_train: 1.5"), "1.5", "data.eval.split_from_train: is '1.5'; must be a count (≥ 1) or a fraction in (0, 1)");

    [Fact]
    public void Missing_base_file_is_named() =>
        Check("extends: base.yml\n" + _fixture.ValidYaml(), "base.yml", "extends: the base experiment 'base.yml' does not exist");

    [Fact]
    public void Mining_window_smaller_than_num_negatives() =>
        Check(_fixture.ValidYaml("mining:\n  num_negatives: 5\n  range_max: 3"), "num_negatives: 5", "mining.num_negatives: 5 must be ≤ range_max − range_min (3)", column: "5");

    [Fact]
    public void Dense_mining_binds_its_encoder_settings_and_defaults_the_device_to_the_experiments()
    {
        string model = StaticEmbeddingFixture.Write(Path.Combine(_fixture.Root, "static"));
        string yaml = _fixture.ValidYaml($"mining:\n  method: dense\n  model: {model}\n  num_negatives: 2\n  batch_size: 64\n  max_length: 32\n  truncate_dim: 2");
        var mining = Assert.Single(ExperimentLoader.Load(_fixture.Write(yaml), null, _ => null).Trials).Spec.Mining!;
        Assert.Equal("dense", mining.Method);
        Assert.Null(mining.Bm25);
        Assert.Equal(new DenseMiningSpec(model, 64, 32, 2, "cpu"), mining.Dense);
        Assert.Equal(2, mining.Options.NumNegatives);

        var onGpu = Assert.Single(ExperimentLoader.Load(_fixture.Write(yaml + "\n  device: cuda", "gpu.yml"), null, _ => null).Trials).Spec.Mining!;
        Assert.Equal("cuda", onGpu.Dense!.Device);
        // A Hub id passes validation without a download.
        var hub = ExperimentLoader.Load(_fixture.Write(yaml.Replace(model, "sentence-transformers/static-retrieval-mrl-en-v1"), "hub.yml"), null, _ => null);
        Assert.Equal("sentence-transformers/static-retrieval-mrl-en-v1", Assert.Single(hub.Trials).Spec.Mining!.Dense!.Model);
    }

    [Fact]
    public void Bm25_mining_keeps_its_parameters_and_no_dense_settings()
    {
        var mining = Assert.Single(ExperimentLoader.Load(_fixture.Write(_fixture.ValidYaml("mining:\n  k1: 0.9\n  b: 0.4")), null, _ => null).Trials).Spec.Mining!;
        Assert.Equal("bm25", mining.Method);
        Assert.Equal(new RerankExperiments.Mining.Bm25Options(0.9, 0.4), mining.Bm25);
        Assert.Null(mining.Dense);
    }

    [Fact]
    public void Dense_mining_needs_a_model() =>
        Check(_fixture.ValidYaml("mining:\n  method: dense\n  num_negatives: 2"), "method: dense",
            "mining.model: is required; dense mining needs an embedding model", column: "method");

    [Fact]
    public void A_bm25_key_is_rejected_for_dense_mining() =>
        Check(_fixture.ValidYaml($"mining:\n  method: dense\n  model: {ExperimentFixture.Model}\n  k1: 1.5"), "k1: 1.5",
            "mining.k1: applies to method: bm25 only", column: "1.5");

    [Fact]
    public void A_dense_key_is_rejected_for_bm25_mining() =>
        Check(_fixture.ValidYaml("mining:\n  num_negatives: 2\n  truncate_dim: 64"), "truncate_dim", "mining.truncate_dim: applies to method: dense only", column: "64");

    [Fact]
    public void Mining_the_eval_data_needs_eval_data() =>
        Check(_fixture.ValidYaml("mining:\n  eval_num_negatives: 30").Replace("  eval:\n    split_from_train: 3\n", ""), "eval_num_negatives",
            "mining.eval_num_negatives: mines candidates for the eval data, and there is none", column: "30");

    [Fact]
    public void An_unknown_mining_method_lists_both() =>
        Check(_fixture.ValidYaml("mining:\n  method: faiss\n  model: x/y"), "faiss", "mining.method: 'faiss' is not one of bm25, dense");

    [Fact]
    public void Beir_evaluators_take_rerank_k_and_hub_datasets_validated_offline_and_named_after_them()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_fixture.Root, "nfcorpus")).FullName;
        string yaml = _fixture.ValidYaml($"""
            eval:
              - type: beir
                path: hf:sentence-transformers/NanoNFCorpus-bm25
                rerank_k: 50
              - type: beir
                path: hf:zeta-alpha-ai/NanoNQ
              - type: beir
                path: hf:sentence-transformers/NanoBEIR-en:NanoMSMARCO
              - type: beir
                path: {folder}
                split: dev
              - type: reranking
            """);
        var eval = Assert.Single(ExperimentLoader.Load(_fixture.Write(yaml), null, _ => null).Trials).Spec.Eval;
        Assert.Equal(["NanoNFCorpus", "NanoNQ", "NanoMSMARCO", "nfcorpus", "eval"], eval.Select(e => e.Name));
        Assert.Equal([50, 100, 100, 100], eval.Take(4).Select(e => e.RerankK));
        Assert.Equal([null, null, "NanoMSMARCO", "dev"], eval.Take(4).Select(e => e.BeirSplit));
        Assert.Equal("hf:zeta-alpha-ai/NanoNQ", eval[1].BeirPath);
    }

    [Fact]
    public void A_malformed_hub_dataset_path_is_named() =>
        Check(_fixture.ValidYaml("eval:\n  - type: beir\n    path: hf:NanoNFCorpus"), "hf:NanoNFCorpus",
            "eval.0.path: 'hf:NanoNFCorpus': 'NanoNFCorpus' is not a Hub dataset id");

    [Fact]
    public void A_split_given_twice_differently_is_an_error() =>
        Check(_fixture.ValidYaml("eval:\n  - type: beir\n    path: hf:org/NanoBEIR:NanoNQ\n    split: NanoMSMARCO"), "split: NanoMSMARCO",
            "eval.0.split: is 'NanoMSMARCO' but path names split 'NanoNQ'", column: "NanoMSMARCO");

    [Fact]
    public void The_same_hub_dataset_twice_needs_names() =>
        Check(_fixture.ValidYaml("eval:\n  - type: beir\n    path: hf:zeta-alpha-ai/NanoNQ\n  - rerank_k: 20\n    type: beir\n    path: hf:zeta-alpha-ai/NanoNQ"),
            "rerank_k: 20", "'NanoNQ' names two evaluators", column: "rerank_k");

    [Fact]
    public void Rerank_k_belongs_to_beir_evaluators() =>
        Check(_fixture.ValidYaml("eval:\n  - type: reranking\n    rerank_k: 20"), "rerank_k: 20", "eval.0.rerank_k: unknown key");

    [Fact]
    public void Rerank_k_must_be_positive() =>
        Check(_fixture.ValidYaml("eval:\n  - type: beir\n    path: hf:zeta-alpha-ai/NanoNQ\n    rerank_k: 0"), "rerank_k: 0", "eval.0.rerank_k: is 0; must be ≥ 1", column: "0");

    [Fact]
    public void Random_sweep_needs_trials() =>
        Check(_fixture.ValidYaml("sweep:\n  method: random\n  parameters:\n    training.seed: {int: [1, 9]}"), "method: random", "sweep.trials: is required");

    [Fact]
    public void Unknown_precision_is_rejected() =>
        Check(_fixture.ValidYaml().Replace("  save_steps: 0", "  save_steps: 0\n  precision: fp8"), "fp8", "training.precision: 'fp8' is not one of fp32, bf16, fp16");

    [Fact]
    public void A_list_where_a_section_belongs() =>
        Check(_fixture.ValidYaml("mining: [1, 2]"), "[1, 2]", "mining: must be a mapping (key: value lines), not a list");

    [Fact]
    public void Unknown_distribution_suggests_the_closest() =>
        Check(_fixture.ValidYaml("sweep:\n  method: random\n  trials: 3\n  parameters:\n    training.learning_rate: {loguniforn: [1.0e-5, 1.0e-3]}"),
            "{loguniforn", "(did you mean 'loguniform'?)");

    [Fact]
    public void Unclosed_bracket_at_the_end_is_a_syntax_error()
    {
        var error = Fails("name: x\nmodel: {a: [1, 2");
        Assert.Contains("YAML syntax", Assert.Single(error.Errors).Message);
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var yaml = _fixture.ValidYaml("trainng:\n  seed: 3").Replace("batch_size: 2", "batch_size: 0").Replace("format: query-pos-neg", "format: pair");
        var error = Fails(yaml);
        Assert.Equal(3, error.Errors.Count);
    }

    [Fact]
    public void Oversized_file_is_refused_before_parsing()
    {
        string path = _fixture.Write("name: x\n# " + new string('a', (int)YamlConfigReader.MaxFileBytes) + "\n");
        var error = Assert.Throws<ExperimentConfigException>(() => ExperimentLoader.Load(path, null, _ => null));
        Assert.Contains("limited to", error.Message);
    }

    [Fact]
    public void Thousands_of_unknown_keys_list_the_first_fifty_and_count_the_rest()
    {
        var keys = new System.Text.StringBuilder();
        for (int i = 0; i < 3000; i++) keys.Append($"k{i}: 1\n");
        string path = _fixture.Write(keys.ToString());
        var error = Assert.Throws<ExperimentConfigException>(() => ExperimentLoader.Load(path, null, _ => null));
        Assert.True(error.Errors.Count > 3000);
        Assert.Equal(ExperimentConfigException.MaxListed + 1, error.Message.Split(Environment.NewLine).Length);
        Assert.EndsWith($"… and {error.Errors.Count - ExperimentConfigException.MaxListed:N0} more problems.", error.Message);
    }

    [Fact]
    public void Alias_bomb_is_refused()
    {
        var bomb = new System.Text.StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 9; i++) bomb.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        var error = Fails(bomb.ToString());
        Assert.Contains("expands to more than", error.Message);
    }

    [Fact]
    public void Extends_cycle_is_an_error()
    {
        _fixture.Write("extends: exp.yml\nname: b\n", "b.yml");
        var error = Fails("extends: b.yml\nname: a\n");
        Assert.Contains("extends forms a cycle", error.Message);
    }

    [Fact]
    public void Model_init_binds_a_model_from_scratch()
    {
        string yaml = _fixture.ValidYaml().Replace($"  name_or_path: {ExperimentFixture.Model}",
            "  init:\n    hidden_size: 64\n    num_attention_heads: 4\n    initializer_range: 0.2\n    tokenizer:\n      vocab_size: 500\n      lowercase: false");
        var spec = Assert.Single(ExperimentLoader.Load(_fixture.Write(yaml), null, _ => null).Trials).Spec;
        Assert.Null(spec.Model.NameOrPath);
        var init = spec.Model.Init!;
        Assert.Equal((64, 4, 2, 0.2, 500, false), (init.HiddenSize, init.NumAttentionHeads, init.NumHiddenLayers, init.InitializerRange, init.VocabularySize, init.Lowercase));
        Assert.Equal(512, spec.Model.MaxLength);
    }

    [Fact]
    public void Model_init_errors_name_the_setting()
    {
        string both = _fixture.ValidYaml().Replace($"  name_or_path: {ExperimentFixture.Model}", $"  name_or_path: {ExperimentFixture.Model}\n  init:\n    hidden_size: 64");
        Check(both, "    hidden_size: 64", "model.init: give either name_or_path", "hidden_size");
        string heads = _fixture.ValidYaml().Replace($"  name_or_path: {ExperimentFixture.Model}", "  init:\n    hidden_size: 64\n    num_attention_heads: 5");
        Assert.Contains(Fails(heads).Errors, e => e.ToString().Contains("model.init.num_attention_heads: is 5; must divide hidden_size (64)", StringComparison.Ordinal));
        string length = _fixture.ValidYaml().Replace($"  name_or_path: {ExperimentFixture.Model}", "  init:\n    max_position_embeddings: 64\n  max_length: 128");
        Check(length, "max_length: 128", "more than init.max_position_embeddings (64)", "128");
        string neither = _fixture.ValidYaml().Replace($"  name_or_path: {ExperimentFixture.Model}\n", "  max_length: 32\n");
        Assert.Contains("model.name_or_path", Fails(neither).Message);
    }
}
