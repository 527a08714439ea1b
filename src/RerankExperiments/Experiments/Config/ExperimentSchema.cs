using System.Globalization;
using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Losses;
using RerankExperiments.Mining;
using RerankExperiments.Modeling.Scratch;
using RerankExperiments.Torch.Precision;
using RerankExperiments.Torch.Schedules;
using RerankExperiments.Training;

namespace RerankExperiments.Experiments.Config;

/// <summary>
/// The experiment schema: binds a resolved YAML tree to an <see cref="ExperimentSpec"/>, checking every key, type,
/// range and file and collecting all problems. docs/experiment-schema.md is its documentation; keep both in step.
/// The <c>sweep</c> section is read by the sweep expander before binding (it rewrites the tree per trial).
/// </summary>
public static class ExperimentSchema
{
    public static readonly IReadOnlyList<string> Devices = ["cpu", "cuda"];
    public static readonly IReadOnlyList<string> MiningMethods = ["bm25", "dense"];
    public static readonly IReadOnlyList<string> EvalTypes = ["reranking", "beir"];
    public static readonly IReadOnlyList<string> Precisions = ["fp32", "bf16", "fp16"];
    public const string DefaultTrackingUri = "runs";

    /// <summary>The spec, or null with <paramref name="errors"/> filled. <paramref name="environment"/> reads MLFLOW_TRACKING_URI.</summary>
    public static ExperimentSpec? Bind(ConfigMapping root, List<ConfigError> errors, Func<string, string?> environment)
    {
        int before = errors.Count;
        var top = new ConfigSection(root, "", errors);
        string? name = top.String("name", required: true, hint: "name the experiment (its MLflow experiment and run names).");
        if (name is not null && name.Trim().Length == 0) top.Error("name", "must not be empty.");
        string? description = top.String("description");
        string device = top.Choice("device", Devices) ?? "cpu";
        top.Node("sweep");

        var model = BindModel(top.Section("model", required: true));
        var data = BindData(top.Section("data", required: true));
        var mining = top.Section("mining") is { } miningSection ? BindMining(miningSection, device, data is { Eval: not null } or { EvalSplit: not null }) : null;
        var loss = BindLoss(top.Section("loss", required: true));
        var training = BindTraining(top.Section("training"), loss, model?.MaxLength);
        var eval = BindEval(top, data);
        var merge = top.Section("merge") is { } mergeSection ? BindMerge(mergeSection) : null;
        var tracking = BindTracking(top.Section("tracking"), name, environment);
        var output = BindOutput(top.Section("output"));
        top.Finish();

        if (errors.Count > before || name is null || model is null || data is null || loss is null || training is null) return null;
        return new ExperimentSpec(name, description, device, model, data, mining, loss, training, eval, merge, tracking, output);
    }

    /// <summary>model: name_or_path (a folder or Hub id), or init (a new model trained from scratch); not both.</summary>
    static ModelSpec? BindModel(ConfigSection? section)
    {
        if (section is null) return null;
        bool fromScratch = section.Has("init");
        if (fromScratch && section.Has("name_or_path")) section.Error("init", "give either name_or_path (a model to fine-tune) or init (a new model), not both.");
        string? path = section.ExistingPath("name_or_path", required: !fromScratch, allowHub: true);
        var init = section.Section("init") is { } initSection ? BindScratchModel(initSection) : null;
        int? maxLength = section.Int("max_length", min: 2);
        section.Finish();
        if (init is not null && maxLength > init.MaxPositionEmbeddings)
            section.Error("max_length", $"is {maxLength}, more than init.max_position_embeddings ({init.MaxPositionEmbeddings}).");
        if (fromScratch) return init is null ? null : new ModelSpec(null, maxLength ?? init.MaxPositionEmbeddings, init);
        return path is null ? null : new ModelSpec(path, maxLength);
    }

    /// <summary>model.init: the new model's shape (config.json names) and its tokenizer.</summary>
    static ScratchModelOptions? BindScratchModel(ConfigSection section)
    {
        var d = new ScratchModelOptions();
        var options = d with
        {
            Architecture = section.Choice("architecture", ScratchModelOptions.Architectures) ?? d.Architecture,
            HiddenSize = section.Int("hidden_size", min: 1) ?? d.HiddenSize,
            NumHiddenLayers = section.Int("num_hidden_layers", min: 1) ?? d.NumHiddenLayers,
            NumAttentionHeads = section.Int("num_attention_heads", min: 1) ?? d.NumAttentionHeads,
            IntermediateSize = section.Int("intermediate_size", min: 1) ?? d.IntermediateSize,
            MaxPositionEmbeddings = section.Int("max_position_embeddings", min: 2) ?? d.MaxPositionEmbeddings,
            Dropout = section.Double("dropout", 0, 1) ?? d.Dropout,
            InitializerRange = section.Double("initializer_range", 0, minExclusive: true) ?? d.InitializerRange,
            Seed = section.Long("seed") ?? d.Seed,
        };
        if (section.Section("tokenizer") is { } tokenizer)
        {
            options = options with
            {
                VocabularySize = tokenizer.Int("vocab_size", min: 100) ?? d.VocabularySize,
                Lowercase = tokenizer.Bool("lowercase") ?? d.Lowercase,
                MinFrequency = tokenizer.Long("min_frequency", min: 0) ?? d.MinFrequency,
            };
            tokenizer.Finish();
        }
        section.Finish();
        try { return options.Validated(); }
        catch (ArgumentOutOfRangeException error)
        {
            section.Error(SnakeCase(error.ParamName ?? ""), $"is {error.ActualValue}; {FirstLine(error.Message)}");
            return null;
        }
    }

    static DataSpec? BindData(ConfigSection? section)
    {
        if (section is null) return null;
        var train = section.Section("train", required: true) is { } trainSection ? BindSource(trainSection, pathRequired: true) : null;
        DataSourceSpec? eval = null;
        EvalSplitSize? split = null;
        long splitSeed = 42;
        if (section.Section("eval") is { } evalSection)
        {
            if (evalSection.Has("split_from_train"))
            {
                split = BindSplit(evalSection);
                splitSeed = evalSection.Long("seed") ?? 42;
                foreach (var key in new[] { "path", "format", "columns", "skip_bad_rows", "limit" })
                    if (evalSection.Has(key)) evalSection.Error(key, "cannot be combined with split_from_train (the eval data is then part of the training file).");
                evalSection.Finish();
            }
            else
            {
                evalSection.Node("seed");
                eval = BindSource(evalSection, pathRequired: true, formatDefault: train?.Format);
            }
        }
        bool deduplicate = section.Bool("deduplicate") ?? false;
        section.Finish();
        return train is null ? null : new DataSpec(train, eval, split, splitSeed, deduplicate);
    }

    static EvalSplitSize? BindSplit(ConfigSection section)
    {
        var node = section.Node("split_from_train")!;
        if (node is ConfigScalar { Plain: true } scalar && ConfigSection.TryParseNumber(scalar.Text, out double value))
        {
            if (value >= 1 && value <= int.MaxValue && Math.Floor(value) == value) return EvalSplitSize.OfCount((int)value);
            if (value > 0 && value < 1) return EvalSplitSize.OfFraction(value);
        }
        section.Error("split_from_train", $"is {ConfigSection.Describe(node)}; must be a count (≥ 1) or a fraction in (0, 1).");
        return null;
    }

    static DataSourceSpec? BindSource(ConfigSection section, bool pathRequired, DatasetFormat? formatDefault = null)
    {
        string? path = section.ExistingPath("path", required: pathRequired, allowHub: true);
        string? formatName = section.Choice("format", FormatNames);
        var format = formatName is null ? formatDefault ?? DatasetFormat.QueryPosNeg : DatasetFormats.Parse(formatName);
        ColumnMapping? columns = null;
        if (section.Section("columns") is { } mapping)
        {
            string? query = mapping.String("query");
            columns = new ColumnMapping(query ?? "query", mapping.String("positive"), mapping.String("negative"), mapping.String("passage"),
                mapping.String("label"), mapping.String("positive_scores"), mapping.String("negative_scores"),
                mapping.ScalarList("more_negatives")?.Select(s => s.Text).ToList());
            if (query is null) mapping.Missing("query", "a column mapping names the query column.");
            mapping.Finish();
            try { columns = columns.ValidatedFor(format); }
            catch (Exception error) when (error is ArgumentException or DataFormatException) { section.Error("columns", error.Message); }
        }
        bool skip = section.Bool("skip_bad_rows") ?? false;
        int? limit = section.Int("limit", min: 1);
        section.Finish();
        return path is null ? null : new DataSourceSpec(path, format, columns, skip, limit);
    }

    static readonly string[] FormatNames = ["query-pos-neg", "pairs", "labeled-pairs", "triplets"];

    /// <summary>Keys that belong to one retriever; the other method rejects them by name.</summary>
    static readonly string[] Bm25Keys = ["k1", "b"];
    static readonly string[] DenseKeys = ["model", "batch_size", "max_length", "truncate_dim", "device"];

    /// <summary>
    /// The mining section: the miner's options (sentence-transformers' mine_hard_negatives names), then the retriever's
    /// own keys — k1 and b for bm25; model, batch_size, max_length, truncate_dim and device for dense (device defaults to
    /// <paramref name="experimentDevice"/>). A key of the other retriever is an error naming the method it belongs to.
    /// eval_num_negatives needs eval data (<paramref name="hasEvalData"/>).
    /// </summary>
    static MiningSpec? BindMining(ConfigSection section, string experimentDevice, bool hasEvalData)
    {
        // An unknown method is reported by Choice; its retriever keys are then left unchecked.
        string? method = section.Choice("method", MiningMethods) ?? (section.Has("method") ? null : "bm25");
        var defaults = new MiningOptions();
        string? sampling = section.Choice("sampling", ["top", "random"]);
        var options = new MiningOptions(
            NumNegatives: section.Int("num_negatives", min: 1) ?? defaults.NumNegatives,
            RangeMin: section.Int("range_min", min: 0) ?? 0,
            RangeMax: section.Int("range_max", min: 1),
            MaxScore: section.Double("max_score"),
            MinScore: section.Double("min_score"),
            AbsoluteMargin: section.Double("absolute_margin"),
            RelativeMargin: section.Double("relative_margin"),
            Sampling: sampling == "random" ? NegativeSampling.Random : NegativeSampling.Top,
            Seed: section.Long("seed") ?? defaults.Seed,
            DropShort: section.Bool("drop_short") ?? false);
        Bm25Options? bm25 = null;
        DenseMiningSpec? dense = null;
        if (method == "dense")
        {
            RejectKeys(section, Bm25Keys, "method: bm25");
            string? model = section.ExistingPath("model", allowHub: true);
            if (!section.Has("model"))
                section.Missing("model", "dense mining needs an embedding model: a sentence-transformers folder or Hub id, e.g. sentence-transformers/static-retrieval-mrl-en-v1.");
            var encoder = new DenseMiningSpec(model ?? "", section.Int("batch_size", min: 1), section.Int("max_length", min: 1),
                section.Int("truncate_dim", min: 1), section.Choice("device", Devices) ?? experimentDevice);
            if (model is not null) dense = encoder;
        }
        else if (method == "bm25")
        {
            RejectKeys(section, DenseKeys, "method: dense");
            bm25 = new Bm25Options(section.Double("k1", 0, minExclusive: true) ?? 1.2, section.Double("b", 0, 1) ?? 0.75);
        }
        else
            foreach (var key in Bm25Keys.Concat(DenseKeys)) section.Node(key);
        string? corpus = section.ExistingPath("corpus");
        bool cache = section.Bool("cache") ?? true;
        int? evalNegatives = section.Int("eval_num_negatives", min: 1);
        if (evalNegatives is not null && !hasEvalData)
            section.Error("eval_num_negatives", "mines candidates for the eval data, and there is none: add data.eval (path or split_from_train).");
        section.Finish();
        try { options = options.Validated(); }
        catch (ArgumentOutOfRangeException error) { section.Error(SnakeCase(error.ParamName ?? ""), $"{error.ActualValue} {FirstLine(error.Message)}"); }
        if (method is null || (method == "dense" && dense is null)) return null;
        return new MiningSpec(method, options, bm25, corpus, cache, dense, evalNegatives);
    }

    /// <summary>Reports each of <paramref name="keys"/> that is present as belonging to <paramref name="owner"/> only.</summary>
    static void RejectKeys(ConfigSection section, IEnumerable<string> keys, string owner)
    {
        foreach (var key in keys)
            if (section.Has(key)) section.Error(key, $"applies to {owner} only; remove it or set that method.");
    }

    /// <summary>
    /// The loss and its options. <c>group_size</c> is accepted for every loss: it is FlagEmbedding's train_group_size
    /// (each example becomes one positive and group_size − 1 sampled negatives per step), which listwise-ce also needs
    /// as its own option — so a sweep over loss names keeps one group size.
    /// </summary>
    static LossSpec? BindLoss(ConfigSection? section)
    {
        if (section is null) return null;
        string? name = section.Choice("name", LossFactory.Names.ToList(), required: true);
        int? groupSize = section.Int("group_size", min: 2);
        if (name is null) return null;
        var options = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var key in LossFactory.OptionsOf(name).Where(k => k != "group_size"))
            if (section.Node(key) is { } node)
            {
                if (node is ConfigScalar scalar) options[key] = Typed(scalar);
                else section.Error(key, $"must be a value, not {node.Kind}.");
            }
        if (name == "listwise-ce") options["group_size"] = (long)(groupSize ?? 8);
        section.Finish();
        try { LossFactory.Create(name, options); }
        catch (Exception error) when (error is ArgumentException or FormatException or OverflowException) { section.Error("name", error.Message); }
        return new LossSpec(name, options, groupSize ?? (name == "listwise-ce" ? 8 : null));
    }

    /// <summary>A plain scalar as a long, double or bool when it reads as one; quoted text stays a string.</summary>
    static object? Typed(ConfigScalar scalar)
    {
        if (!scalar.Plain) return scalar.Text;
        if (scalar.IsNull) return null;
        if (long.TryParse(scalar.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long whole)) return whole;
        if (ConfigSection.TryParseNumber(scalar.Text, out double number)) return number;
        return scalar.Text switch { "true" => true, "false" => false, _ => scalar.Text };
    }

    static TrainingOptions? BindTraining(ConfigSection? s, LossSpec? loss, int? maxLength)
    {
        var d = new TrainingOptions();
        // loss.group_size: FlagEmbedding-style groups of group_size passages, sampled per step.
        int? lossGroup = loss?.GroupSize;
        if (s is null) return (d with { GroupSize = lossGroup, MaxLength = maxLength, LengthGrouping = true }).Validated();
        string? precision = s.Choice("precision", Precisions);
        var options = d with
        {
            Epochs = s.Double("epochs", 0, minExclusive: true) ?? 1,
            MaxSteps = s.Long("max_steps", min: -1) ?? d.MaxSteps,
            BatchSize = s.Int("batch_size", min: 1) ?? 16,
            EvalBatchSize = s.Int("eval_batch_size", min: 1) ?? d.EvalBatchSize,
            LearningRate = s.Double("learning_rate", 0) ?? 2e-5,
            WeightDecay = s.Double("weight_decay", 0) ?? d.WeightDecay,
            AdamBeta1 = s.Double("adam_beta1", 0, 0.999999) ?? d.AdamBeta1,
            AdamBeta2 = s.Double("adam_beta2", 0, 0.999999999) ?? d.AdamBeta2,
            AdamEpsilon = s.Double("adam_epsilon", 0, minExclusive: true) ?? d.AdamEpsilon,
            WarmupRatio = s.Double("warmup_ratio", 0, 1) ?? 0.1,
            WarmupSteps = s.Long("warmup_steps", min: 0) ?? 0,
            Scheduler = s.Choice("scheduler", LearningRateSchedules.Names) ?? d.Scheduler,
            GradientAccumulation = s.Int("gradient_accumulation", min: 1) ?? 1,
            MaxGradNorm = s.Has("max_grad_norm") ? s.Double("max_grad_norm", 0) : d.MaxGradNorm,
            MaxConsecutiveSkippedSteps = s.Int("max_consecutive_skipped_steps", min: 1) ?? d.MaxConsecutiveSkippedSteps,
            OomBackoff = s.Bool("oom_backoff") ?? false,
            Precision = PrecisionModes.Parse(precision ?? "fp32"),
            MaxLength = maxLength,
            Seed = s.Long("seed") ?? d.Seed,
            EvalSteps = s.Long("eval_steps", min: 0) ?? 0,
            SaveSteps = s.Long("save_steps", min: 0) ?? d.SaveSteps,
            SaveTotalLimit = s.Int("save_total_limit", min: 1),
            MetricForBestModel = s.String("metric_for_best_model"),
            GreaterIsBetter = s.Bool("greater_is_better"),
            LoadBestModelAtEnd = s.Bool("load_best_model_at_end") ?? false,
            EarlyStoppingPatience = s.Int("early_stopping_patience", min: 1),
            EarlyStoppingThreshold = s.Double("early_stopping_threshold", 0) ?? 0,
            LoggingSteps = s.Long("logging_steps", min: 1) ?? d.LoggingSteps,
            LengthGrouping = s.Bool("length_grouping") ?? true,
            GroupSize = s.Int("group_size", min: 2) ?? lossGroup,
            DropLastBatch = s.Bool("drop_last_batch") ?? false,
            DataloaderWorkers = s.Int("dataloader_workers", min: 0) ?? 0,
        };
        s.Finish();
        try { return options.Validated(); }
        catch (ArgumentException error)
        {
            s.Error(SnakeCase(error.ParamName ?? ""), FirstLine(error.Message));
            return null;
        }
    }

    static IReadOnlyList<EvalSpec> BindEval(ConfigSection top, DataSpec? data)
    {
        bool hasEvalData = data is not null && (data.Eval is not null || data.EvalSplit is not null);
        var sections = top.SectionList("eval");
        if (sections is null) return hasEvalData ? [new EvalSpec("reranking", "eval", 10, null, null, "test", null, true)] : [];
        var specs = new List<EvalSpec>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in sections)
        {
            string type = section.Choice("type", EvalTypes) ?? "reranking";
            var beir = type == "beir" ? BindBeir(section) : null;
            string name = section.String("name") ?? (type == "beir" ? beir is null ? "beir" : HubBeirDatasets.NameOf(beir.Path) : "eval");
            if (!names.Add(name)) section.Error("name", $"'{name}' names two evaluators; give each a distinct name (metrics are prefixed with it).");
            int atK = section.Int("at_k", min: 1) ?? 10;
            bool baseline = section.Bool("baseline") ?? true;
            if (type == "beir")
            {
                section.Finish();
                if (beir is not null) specs.Add(new EvalSpec(type, name, atK, null, beir.Path, beir.Split, beir.MaxQueries, baseline, beir.RerankK));
                continue;
            }
            DataSourceSpec? source = section.Has("path") ? BindSource(section, pathRequired: true, data?.Train.Format) : null;
            if (source is null)
            {
                section.Finish();
                if (!section.Has("path") && !hasEvalData)
                    section.Missing("path", "a reranking evaluator needs data: give path here, or data.eval.");
            }
            specs.Add(new EvalSpec(type, name, atK, source, null, "test", null, baseline));
        }
        return specs;
    }

    /// <summary>A beir evaluator's own keys: its dataset (a folder, or hf:org/name[:split]), split, rerank_k, max_queries.</summary>
    sealed record BeirBinding(string Path, string? Split, int RerankK, int? MaxQueries);

    /// <summary>
    /// path: an existing BEIR folder, or a Hub dataset hf:org/name[:split] (checked for form only: nothing is fetched
    /// while validating). split: the qrels file of a folder (default test), or the Hub split when the path names none.
    /// The default evaluator name is the dataset's (folder name, or NanoBEIR's NanoNFCorpus), so a list of them
    /// needs no names.
    /// </summary>
    static BeirBinding? BindBeir(ConfigSection section)
    {
        string? split = section.String("split");
        int rerankK = section.Int("rerank_k", min: 1) ?? 100;
        int? maxQueries = section.Int("max_queries", min: 1);
        string? path = section.String("path", required: true, hint: "a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) or hf:org/name[:split], e.g. hf:zeta-alpha-ai/NanoNFCorpus.");
        if (path is null) return null;
        if (HubBeirReference.IsHub(path))
        {
            if (HubBeirReference.TryParse(path, out string? problem) is not { } reference)
            {
                section.Error("path", problem!);
                return null;
            }
            if (reference.Split is not null && split is not null && split != reference.Split)
                section.Error("split", $"is '{split}' but path names split '{reference.Split}'; give it once.");
            reference = reference with { Split = reference.Split ?? split };
            return new BeirBinding(path, reference.Split, rerankK, maxQueries);
        }
        if (!Directory.Exists(path))
        {
            section.Error("path", $"'{path}' is not a folder (relative paths are read from {Environment.CurrentDirectory}); give a BEIR folder or hf:org/name[:split].");
            return null;
        }
        return new BeirBinding(path, split ?? "test", rerankK, maxQueries);
    }

    static MergeSpec? BindMerge(ConfigSection section)
    {
        var withNode = section.ScalarList("with");
        var with = withNode?.Select(s => s.Text).ToList() ?? ["base"];
        foreach (var item in withNode ?? [])
            if (item.Text != "base" && !File.Exists(item.Text) && !Directory.Exists(item.Text) && !ConfigSection.LooksLikeHubName(item.Text))
                section.Error(item, section.KeyPath("with"), $"'{item.Text}' is neither 'base', an existing model folder nor a Hub id.");
        List<double>? weights = null;
        if (section.Node("weights") is { } weightsNode)
        {
            var items = weightsNode is ConfigSequence list ? list.Items : [weightsNode];
            weights = [];
            for (int i = 0; i < items.Count; i++)
                if (section.DoubleOf(items[i], $"{section.KeyPath("weights")}.{i}", 0) is { } w) weights.Add(w);
            if (weights.Count == items.Count && weights.Count != with.Count + 1)
                section.Error("weights", $"has {weights.Count} weight(s) for {with.Count + 1} models (the fine-tuned model, then {string.Join(", ", with)}).");
        }
        bool normalize = section.Bool("normalize") ?? true;
        if (weights is { Count: > 0 } && normalize && Math.Abs(weights.Sum() - 1) > 1e-6)
            section.Error("weights", $"sum to {weights.Sum().ToString("R", CultureInfo.InvariantCulture)}; they must sum to 1 (or set normalize: false).");
        string? examples = null;
        double temperature = 5;
        int negNumber = 7;
        long seed = 42;
        if (section.Section("auto") is { } auto)
        {
            if (weights is not null) section.Error("auto", "give either weights or auto, not both.");
            examples = auto.ExistingPath("examples", allowHub: true);
            temperature = auto.Double("temperature", 0, minExclusive: true) ?? temperature;
            negNumber = auto.Int("neg_number", min: 1) ?? negNumber;
            seed = auto.Long("seed") ?? seed;
            auto.Finish();
        }
        section.Finish();
        return new MergeSpec(with, weights, normalize, examples, temperature, negNumber, seed);
    }

    static TrackingSpec BindTracking(ConfigSection? section, string? name, Func<string, string?> environment)
    {
        string? uri = section?.String("uri");
        string? experiment = section?.String("experiment");
        section?.Finish();
        return new TrackingSpec(uri ?? environment("MLFLOW_TRACKING_URI") ?? DefaultTrackingUri, experiment ?? name ?? "rerank");
    }

    static OutputSpec BindOutput(ConfigSection? section)
    {
        string directory = section?.String("dir") ?? Path.Combine("runs", "outputs");
        bool save = section?.Bool("save_model") ?? true;
        bool log = section?.Bool("log_model") ?? false;
        section?.Finish();
        return new OutputSpec(directory, save, log);
    }

    /// <summary>TrainingOptions' property names as the YAML spells them (LearningRate → learning_rate).</summary>
    static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));

    static string FirstLine(string message) => message.Split('\n')[0].Split(" (Parameter")[0];
}
