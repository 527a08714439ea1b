using System.CommandLine;
using System.Text.Json;
using RerankExperiments.Data;
using RerankExperiments.Mining;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank mine --data F [--format F] [--method bm25|dense --model M] --num-negatives N --output-format F --output OUT`:
/// hard-negative mining with sentence-transformers' mine_hard_negatives semantics (see <see cref="HardNegativeMiner"/>),
/// retrieving with BM25 or with a dense encoder (a transformer with mean/cls pooling, or a StaticEmbedding model).
/// The data is any file <see cref="RankingDatasets"/> reads (JSONL, JSON, CSV, TSV, Parquet, Arrow; or hf:org/name[:split])
/// in any of its formats, or a BEIR folder. Its passages labelled positive are the positives; the others are not
/// kept as negatives: they join the corpus, which is every passage of the data deduplicated (a BEIR folder: its
/// corpus), or, with --corpus, that file's passages plus the positives. Results are cached under
/// &lt;cache-dir&gt;/mining/, keyed by data, options, method and model; statistics are printed.
/// </summary>
public static class MineCommand
{
    /// <summary>All settings of one `rerank mine` run.</summary>
    public sealed record Arguments(string Data, string Output, string OutputFormat, MiningOptions Options, string Method = "bm25",
        string? Corpus = null, string CacheDirectory = "runs/cache", bool NoCache = false, string? CrossEncoderModel = null, int BatchSize = 32,
        string Format = "query-pos-neg", string? Model = null, string Device = "cpu", string Split = "train", int? EmbedBatchSize = null,
        int? TruncateDim = null, int? MaxLength = null, IProgress<RetrievalProgress>? Progress = null);

    public static Command Create()
    {
        var data = new Option<string>("--data") { Required = true, Description = "Training data: a file (jsonl[.gz], json, csv, tsv, parquet, arrow), hf:org/name[:split], or a BEIR folder with --format beir." };
        var format = new Option<string>("--format") { DefaultValueFactory = _ => "query-pos-neg", Description = "query-pos-neg, pairs, labeled-pairs, triplets or beir." };
        var split = new Option<string>("--split") { DefaultValueFactory = _ => "train", Description = "BEIR qrels split (qrels/<split>.tsv)." };
        var method = new Option<string>("--method") { DefaultValueFactory = _ => "bm25", Description = "Retriever: bm25 or dense (needs --model)." };
        var model = new Option<string?>("--model") { Description = "Dense encoder: a sentence-transformers / Hugging Face folder or Hub id (transformer or StaticEmbedding)." };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "cpu", Description = "cpu or cuda (dense encoding and search)." };
        var embedBatchSize = new Option<int?>("--embed-batch-size") { Description = "Texts per encoder batch (default 32; 4096 for StaticEmbedding)." };
        var truncateDim = new Option<int?>("--truncate-dim") { Description = "Keep the first d embedding dimensions (Matryoshka models)." };
        var maxLength = new Option<int?>("--max-length") { Description = "Encoder token limit (default: the model's max_seq_length)." };
        var corpus = new Option<string?>("--corpus") { Description = "JSONL of {\"text\"} or plain text (one passage per line); default: the data's passages." };
        var numNegatives = new Option<int>("--num-negatives") { DefaultValueFactory = _ => 3, Description = "Negatives per query." };
        var rangeMin = new Option<int>("--range-min") { DefaultValueFactory = _ => 0, Description = "Survivors skipped first." };
        var rangeMax = new Option<int?>("--range-max") { Description = "End of the rank window (default: range-min + num-negatives, ×10 with a margin or max-score)." };
        var sampling = new Option<string>("--sampling") { DefaultValueFactory = _ => "top", Description = "top or random." };
        var absoluteMargin = new Option<double?>("--absolute-margin") { Description = "Drop when score + m > min positive score (retriever units)." };
        var relativeMargin = new Option<double?>("--relative-margin") { Description = "Drop when score > p − |p|·m (p: min positive score)." };
        var maxScore = new Option<double?>("--max-score") { Description = "Drop candidates scoring above this." };
        var minScore = new Option<double?>("--min-score") { Description = "Drop candidates scoring below this." };
        var dropShort = new Option<bool>("--drop-short") { Description = "Drop queries short of --num-negatives (default: keep with fewer)." };
        var outputFormat = new Option<string>("--output-format") { DefaultValueFactory = _ => "triplet", Description = "labeled-pair, triplet, n-tuple or query-pos-neg." };
        var output = new Option<string>("--output") { Required = true, Description = "Output JSONL." };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 12, Description = "Seed of random sampling." };
        var cacheDir = new Option<string>("--cache-dir") { DefaultValueFactory = _ => "runs/cache", Description = "Cache root (mining results go to <dir>/mining)." };
        var noCache = new Option<bool>("--no-cache") { Description = "Neither read nor write the cache." };
        var crossEncoder = new Option<string?>("--cross-encoder") { Description = "Rescore candidates and positives with this cross-encoder (used only with a margin or --max-score, as sentence-transformers)." };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32, Description = "Cross-encoder batch size." };
        var command = new Command("mine", "Mine hard negatives with BM25 or a dense encoder.")
        {
            data, format, split, method, model, device, embedBatchSize, truncateDim, maxLength, corpus, numNegatives, rangeMin, rangeMax, sampling,
            absoluteMargin, relativeMargin, maxScore, minScore, dropShort, outputFormat, output, seed, cacheDir, noCache, crossEncoder, batchSize,
        };
        command.SetAction(result =>
        {
            NegativeSampling strategy;
            switch (result.GetValue(sampling))
            {
                case "top": strategy = NegativeSampling.Top; break;
                case "random": strategy = NegativeSampling.Random; break;
                default:
                    Console.Error.WriteLine($"error: --sampling must be top or random, not '{result.GetValue(sampling)}'.");
                    return 2;
            }
            var options = new MiningOptions(result.GetValue(numNegatives), result.GetValue(rangeMin), result.GetValue(rangeMax), result.GetValue(maxScore),
                result.GetValue(minScore), result.GetValue(absoluteMargin), result.GetValue(relativeMargin), strategy, result.GetValue(seed), result.GetValue(dropShort));
            return Run(new Arguments(result.GetValue(data)!, result.GetValue(output)!, result.GetValue(outputFormat)!, options, result.GetValue(method)!,
                result.GetValue(corpus), result.GetValue(cacheDir)!, result.GetValue(noCache), result.GetValue(crossEncoder), result.GetValue(batchSize),
                result.GetValue(format)!, result.GetValue(model), result.GetValue(device)!, result.GetValue(split)!, result.GetValue(embedBatchSize),
                result.GetValue(truncateDim), result.GetValue(maxLength),
                new RetrievalProgressLines(Console.Error, Console.IsErrorRedirected ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(1))), Console.Out, Console.Error);
        });
        return command;
    }

    public static int Run(Arguments arguments, TextWriter output, TextWriter errors)
    {
        try
        {
            if (arguments.Method is not ("bm25" or "dense")) throw new InputException($"--method {arguments.Method} is not available: bm25 or dense.");
            if (arguments.Method == "dense" && arguments.Model is null) throw new InputException("--method dense needs --model (a sentence-transformers folder or Hub id).");
            var format = MinedJsonl.ParseFormat(arguments.OutputFormat);
            var options = arguments.Options.Validated();
            var device = ParseDevice(arguments.Device);
            var (records, passages) = ReadData(arguments);
            if (records.Count == 0) throw new InputException($"{arguments.Data}: no records.");
            var corpus = arguments.Corpus is { } path ? CorpusFile.Read(path) : passages;
            // The cross-encoder only matters when a margin or max_score filters (sentence-transformers' rule).
            string? crossEncoderModel = arguments.CrossEncoderModel is { } m && options.Filters ? ModelPaths.Resolve(m) : null;
            var dense = arguments.Method == "dense"
                ? new DenseMiningSettings(ModelPaths.ResolveEmbedding(arguments.Model!),
                    new TextEncoderOptions(arguments.EmbedBatchSize, arguments.MaxLength, Normalize: true, arguments.TruncateDim).Validated())
                : null;
            // The cache key names a dense model by a fingerprint of its files, so a cached run is found without loading it.
            var setup = new MiningSetup(options, Dense: dense, RescoreModel: crossEncoderModel, RescoreBatchSize: arguments.BatchSize);
            var mined = setup.MineCached(arguments.NoCache ? null : arguments.CacheDirectory, records, corpus, device, arguments.Progress);
            string scores = crossEncoderModel is not null ? "cross-encoder scores" : dense is null ? "BM25 scores" : "cosine similarities";
            int rows = MinedJsonl.Write(arguments.Output, format, mined.Records, options.NumNegatives);
            var s = mined.Statistics;
            output.WriteLine($"{(s.FromCache ? "Reused cached mining" : "Mined")}: {s.Queries} queries, {s.Negatives} negatives, {rows} {arguments.OutputFormat} rows → {arguments.Output}");
            output.WriteLine($"Queries short of {options.NumNegatives} negatives: {s.ShortQueries} ({(options.DropShort ? $"{s.DroppedQueries} dropped" : "kept with fewer")})");
            output.WriteLine($"Candidates removed: {s.RemovedAsPositive} positives, {s.RemovedByMargin} by margin, {s.RemovedByMaxScore} by max score, {s.RemovedByMinScore} by min score");
            output.WriteLine($"Positive {scores}: {s.PositiveScores}");
            output.WriteLine($"Negative {scores}: {s.NegativeScores}");
            return 0;
        }
        catch (Exception error) when (error is DataFormatException or ArgumentException or InputException or IOException or JsonException or FormatException
            or Evaluation.BeirFormatException or Modeling.ModelFormatException or Tokenization.Loading.TokenizerFormatException or Torch.Safetensors.SafetensorsException)
        {
            errors.WriteLine($"error: {error.Message}");
            return 2;
        }
    }

    static TorchSharp.torch.Device ParseDevice(string name) => name switch
    {
        "cpu" => TorchSharp.torch.CPU,
        "cuda" when TorchSharp.torch.cuda.is_available() => TorchSharp.torch.CUDA,
        "cuda" => throw new InputException("--device cuda: CUDA is not available (this build uses TorchSharp-cpu; build with -p:TorchDevice=cuda on a GPU machine)."),
        _ => throw new InputException($"--device must be cpu or cuda, not '{name}'."),
    };

    /// <summary>
    /// The data as query records (positives: passages labelled &gt; 0) and every passage it names, deduplicated
    /// later by the miner. A BEIR folder gives queries with a relevant document in qrels/&lt;split&gt;.tsv and its whole
    /// corpus ("title text" when a title is present).
    /// </summary>
    static (List<QueryPosNegRecord> Records, List<string> Passages) ReadData(Arguments arguments)
    {
        if (arguments.Format == "beir")
        {
            var beir = Evaluation.BeirDataset.Load(arguments.Data, arguments.Split);
            var content = beir.Corpus.ToDictionary(d => d.Id, d => d.Content(withTitle: true), StringComparer.Ordinal);
            var records = new List<QueryPosNegRecord>();
            foreach (var (id, text) in beir.Queries)
                if (beir.Qrels.TryGetValue(id, out var judged) && judged.Where(j => j.Value > 0).Select(j => content[j.Key]).ToList() is { Count: > 0 } positives)
                    records.Add(new QueryPosNegRecord(text, positives, []));
            return (records, [.. beir.Corpus.Select(d => content[d.Id])]);
        }
        var examples = DataPaths.Load(arguments.Data, new DatasetReadOptions(DatasetFormats.Parse(arguments.Format))).Examples;
        return ([.. examples.Select(QueryPosNegRecord.FromExample)],
            [.. examples.SelectMany(e => e.Passages)]);
    }
}
