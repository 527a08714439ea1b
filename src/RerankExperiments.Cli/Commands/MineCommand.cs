using System.CommandLine;
using System.Text.Json;
using RerankExperiments.Data;
using RerankExperiments.Mining;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank mine --data F --num-negatives N --output-format F --output OUT`: BM25 hard-negative mining with
/// sentence-transformers' mine_hard_negatives semantics (see <see cref="HardNegativeMiner"/>). The input is
/// query-pos-neg JSONL whose negatives are not kept as negatives: they join the corpus, which is every positive and
/// negative of the file deduplicated, or, with --corpus, that file's passages plus the positives. Results are
/// cached under &lt;cache-dir&gt;/mining/; statistics are printed.
/// </summary>
public static class MineCommand
{
    /// <summary>All settings of one `rerank mine` run.</summary>
    public sealed record Arguments(string Data, string Output, string OutputFormat, MiningOptions Options, string Method = "bm25",
        string? Corpus = null, string CacheDirectory = "runs/cache", bool NoCache = false, string? CrossEncoderModel = null, int BatchSize = 32);

    public static Command Create()
    {
        var data = new Option<string>("--data") { Required = true, Description = "Query-pos-neg JSONL ({\"query\",\"pos\",\"neg\"}); its negatives join the corpus." };
        var format = new Option<string>("--format") { DefaultValueFactory = _ => "query-pos-neg", Description = "Input format (query-pos-neg)." };
        var method = new Option<string>("--method") { DefaultValueFactory = _ => "bm25", Description = "Retriever: bm25." };
        var corpus = new Option<string?>("--corpus") { Description = "JSONL of {\"text\"} or plain text (one passage per line); default: the data's passages." };
        var numNegatives = new Option<int>("--num-negatives") { DefaultValueFactory = _ => 3, Description = "Negatives per query." };
        var rangeMin = new Option<int>("--range-min") { DefaultValueFactory = _ => 0, Description = "Survivors skipped first." };
        var rangeMax = new Option<int?>("--range-max") { Description = "End of the rank window (default: range-min + num-negatives, ×10 with a margin or max-score)." };
        var sampling = new Option<string>("--sampling") { DefaultValueFactory = _ => "top", Description = "top or random." };
        var absoluteMargin = new Option<double?>("--absolute-margin") { Description = "Drop when score + m > min positive score (BM25 units)." };
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
        var command = new Command("mine", "Mine hard negatives with BM25.")
        {
            data, format, method, corpus, numNegatives, rangeMin, rangeMax, sampling, absoluteMargin, relativeMargin, maxScore, minScore,
            dropShort, outputFormat, output, seed, cacheDir, noCache, crossEncoder, batchSize,
        };
        command.SetAction(result =>
        {
            if (result.GetValue(format) != "query-pos-neg")
            {
                Console.Error.WriteLine($"error: --format {result.GetValue(format)} is not supported: query-pos-neg.");
                return 2;
            }
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
                result.GetValue(corpus), result.GetValue(cacheDir)!, result.GetValue(noCache), result.GetValue(crossEncoder), result.GetValue(batchSize)), Console.Out, Console.Error);
        });
        return command;
    }

    public static int Run(Arguments arguments, TextWriter output, TextWriter errors)
    {
        try
        {
            if (arguments.Method != "bm25") throw new InputException($"--method {arguments.Method} is not available: bm25.");
            var format = MinedJsonl.ParseFormat(arguments.OutputFormat);
            var options = arguments.Options.Validated();
            var records = QueryPosNegJsonl.Read(arguments.Data).ToList();
            if (records.Count == 0) throw new InputException($"{arguments.Data}: no records.");
            var corpus = arguments.Corpus is { } path ? CorpusFile.Read(path) : records.SelectMany(r => r.Positives.Concat(r.Negatives)).ToList();
            // The cross-encoder only matters when a margin or max_score filters (sentence-transformers' rule).
            string? model = arguments.CrossEncoderModel is { } m && options.Filters ? ModelPaths.Resolve(m) : null;
            string method = model is null ? arguments.Method : $"{arguments.Method}+rescore:{Path.GetFullPath(model)}";
            MiningResult Mine()
            {
                if (model is null) return HardNegativeMiner.Mine(records, options, corpus);
                using var encoder = Modeling.CrossEncoder.Load(model);
                var reranker = new Modeling.Reranker(encoder, new Modeling.RerankerOptions(arguments.BatchSize));
                return HardNegativeMiner.Mine(records, options, corpus, reranker.Score);
            }
            var mined = arguments.NoCache ? Mine() : MiningCache.GetOrMine(arguments.CacheDirectory, MiningCache.Key(records, corpus, options, method), Mine);
            string scores = model is null ? "BM25 scores" : "cross-encoder scores";
            int rows = MinedJsonl.Write(arguments.Output, format, mined.Records, options.NumNegatives);
            var s = mined.Statistics;
            output.WriteLine($"{(s.FromCache ? "Reused cached mining" : "Mined")}: {s.Queries} queries, {s.Negatives} negatives, {rows} {arguments.OutputFormat} rows → {arguments.Output}");
            output.WriteLine($"Queries short of {options.NumNegatives} negatives: {s.ShortQueries} ({(options.DropShort ? $"{s.DroppedQueries} dropped" : "kept with fewer")})");
            output.WriteLine($"Candidates removed: {s.RemovedAsPositive} positives, {s.RemovedByMargin} by margin, {s.RemovedByMaxScore} by max score, {s.RemovedByMinScore} by min score");
            output.WriteLine($"Positive {scores}: {s.PositiveScores}");
            output.WriteLine($"Negative {scores}: {s.NegativeScores}");
            return 0;
        }
        catch (Exception error) when (error is DataFormatException or ArgumentException or InputException or IOException or JsonException
            or Modeling.ModelFormatException or Tokenization.Loading.TokenizerFormatException or Torch.Safetensors.SafetensorsException)
        {
            errors.WriteLine($"error: {error.Message}");
            return 2;
        }
    }
}
