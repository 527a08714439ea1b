using RerankExperiments.Data;
using RerankExperiments.Mining;
using RerankExperiments.Modeling.Scratch;
using RerankExperiments.Training;

namespace RerankExperiments.Experiments;

/// <summary>
/// One resolved, validated experiment (one trial of a sweep): every section typed, defaults filled in. Built by
/// <see cref="Config.ExperimentSchema"/> from the YAML tree; docs/experiment-schema.md documents each key. Name is the MLflow
/// experiment (by default) and the sweep's parent run; Device is cpu or cuda.
/// </summary>
public sealed record ExperimentSpec(
    string Name,
    string? Description,
    string Device,
    ModelSpec Model,
    DataSpec Data,
    MiningSpec? Mining,
    LossSpec Loss,
    TrainingOptions Training,
    IReadOnlyList<EvalSpec> Eval,
    MergeSpec? Merge,
    TrackingSpec Tracking,
    OutputSpec Output)
{
    /// <summary>What ranked the candidates the evaluators rerank: BM25 for BEIR evaluators, else the data's given order.</summary>
    public string FirstStageName => Eval.Any(e => e.Type == "beir") ? "BM25" : "given order";
}

/// <summary>
/// The starting model: a local Hugging Face folder or a Hub id (org/name[@revision]) in NameOrPath, or (Init) a new
/// model trained from scratch, its tokenizer trained on the training data. Exactly one of the two is set.
/// </summary>
public sealed record ModelSpec(string? NameOrPath, int? MaxLength, ScratchModelOptions? Init = null)
{
    /// <summary>How the starting model is named in logs and model cards.</summary>
    public string Description => NameOrPath ?? $"a new {Init!.Architecture} (hidden {Init.HiddenSize}, {Init.NumHiddenLayers} layers) trained from scratch";
}

/// <summary>A dataset file (or hf:org/name[:split]) read in one format with an optional column mapping.</summary>
public sealed record DataSourceSpec(string Path, DatasetFormat Format, ColumnMapping? Columns, bool SkipBadRows, int? Limit);

/// <summary>
/// Training data, and evaluation data: its own file (Eval), or held out from the training data (EvalSplit, a count or
/// fraction drawn with EvalSplitSeed). Deduplicate removes exact duplicate examples before splitting.
/// </summary>
public sealed record DataSpec(DataSourceSpec Train, DataSourceSpec? Eval, EvalSplitSize? EvalSplit, long EvalSplitSeed, bool Deduplicate);

/// <summary>
/// Hard-negative mining of the training data before training: Method (bm25 or dense), the miner's options, Bm25 (its
/// parameters; null for dense), Dense (the embedding model and encoder settings; null for bm25), Corpus (extra
/// passages, one per line or JSONL of {"text"}; null: the data's own passages), Cache (reuse mined data cached under
/// runs/cache when data, corpus, settings and model are unchanged), EvalNegatives (also give each eval query its top
/// N retrieved passages as candidates, as sentence-transformers' recipes mine the dev set for
/// CrossEncoderRerankingEvaluator; null: the eval data is used as given).
/// </summary>
public sealed record MiningSpec(string Method, MiningOptions Options, Bm25Options? Bm25, string? Corpus, bool Cache, DenseMiningSpec? Dense = null,
    int? EvalNegatives = null);

/// <summary>
/// Dense mining as sentence-transformers' mine_hard_negatives does it: Model (a sentence-transformers folder or Hub id,
/// transformer or StaticEmbedding), BatchSize (texts per encoder batch; null: 32, or 4096 for StaticEmbedding),
/// MaxLength (token limit; null: the model's max_seq_length), TruncateDim (Matryoshka truncation; null: full size),
/// Device (cpu or cuda; the experiment's device unless set).
/// </summary>
public sealed record DenseMiningSpec(string Model, int? BatchSize, int? MaxLength, int? TruncateDim, string Device);

/// <summary>A loss by name with its options (see LossFactory) and the training group size (train_group_size) it asks for.</summary>
public sealed record LossSpec(string Name, IReadOnlyDictionary<string, object?> Options, int? GroupSize);

/// <summary>
/// An evaluator run after training (and on the starting model, for comparison, unless Baseline is false). Type is
/// reranking (each query's positives among its negatives; Data null takes the experiment's eval data) or beir: BeirPath
/// is a BEIR folder (qrels/{BeirSplit}.tsv) or a Hub dataset hf:org/name[:split] (NanoBEIR and its -bm25 variants;
/// BeirSplit then names the Hub split, null: the only one), each query's first-stage top RerankK reranked (the
/// dataset's precomputed BM25 ranking when it ships one, else BM25 here).
/// </summary>
public sealed record EvalSpec(string Type, string Name, int AtK, DataSourceSpec? Data, string? BeirPath, string? BeirSplit, int? MaxQueries, bool Baseline,
    int RerankK = 100)
{
    /// <summary>The evaluator's primary metric key: NDCG@k (BEIR keys carry the evaluator's "_R{rerank_k}").</summary>
    public string PrimaryMetric => Evaluation.MetricKeys.Prefixed(Type == "beir" ? $"{Name}_R{RerankK}" : Name, $"ndcg@{AtK}");
}

/// <summary>
/// LM-Cocktail merging after training. With: "base" (the starting model) or paths / Hub ids of further models; the
/// fine-tuned model always comes first. Weights: one per model, fine-tuned first; null computes them from Examples
/// (null: the eval data, else the training data) as softmax(−loss / Temperature).
/// </summary>
public sealed record MergeSpec(IReadOnlyList<string> With, IReadOnlyList<double>? Weights, bool Normalize, string? Examples,
    double Temperature, int NegNumber, long Seed);

/// <summary>Where runs are tracked: a folder (MLflow FileStore) or an MLflow server URL; the MLflow experiment name.</summary>
public sealed record TrackingSpec(string Uri, string Experiment);

/// <summary>
/// Where checkpoints and models go (Directory: the root of trial output folders), whether the final (and merged) model
/// is saved as a Hugging Face folder, and whether it is also copied into the MLflow run's artifacts (LogModel).
/// </summary>
public sealed record OutputSpec(string Directory, bool SaveModel, bool LogModel);
