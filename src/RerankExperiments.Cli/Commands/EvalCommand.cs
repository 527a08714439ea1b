using System.CommandLine;
using System.Text.Json;
using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Modeling;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank eval --model M (--data F.jsonl | --beir FOLDER|hf:org/name[:split] [--split test] [--rerank-k 100])`: reranking
/// metrics (MRR@k, NDCG@k, MAP) printed as JSON — of query-pos-neg JSONL (positives against negatives), or of a BEIR
/// dataset, a local folder or a Hub dataset such as hf:sentence-transformers/NanoNFCorpus-bm25 (the first-stage top
/// rerank-k per judged query reranked: the dataset's BM25 ranking when it ships one, else BM25 here, as
/// sentence-transformers' CrossEncoderNanoBEIREvaluator does).
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Required = true, Description = "A model directory or a Hub repo id." };
        var data = new Option<string?>("--data") { Description = "A dataset file (.jsonl(.gz), .json, .csv, .tsv, .parquet, .arrow) or hf:org/name[:split]." };
        var format = new Option<string>("--format") { DefaultValueFactory = _ => "query-pos-neg", Description = "query-pos-neg, pairs, labeled-pairs or triplets." };
        var beir = new Option<string?>("--beir") { Description = "A BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) or hf:org/name[:split] (NanoBEIR)." };
        var split = new Option<string?>("--split") { Description = "The qrels split of a folder (default test), or the Hub split (default: the only one)." };
        var rerankK = new Option<int>("--rerank-k") { DefaultValueFactory = _ => 100, Description = "First-stage candidates reranked per query (BEIR)." };
        var atK = new Option<int>("--at-k") { DefaultValueFactory = _ => 10 };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var maxLength = new Option<int?>("--max-length");
        var command = new Command("eval", "Evaluate a cross-encoder on reranking data.") { model, data, format, beir, split, rerankK, atK, batchSize, maxLength };
        command.SetAction(result =>
        {
            string? jsonl = result.GetValue(data), folder = result.GetValue(beir);
            if ((jsonl is null) == (folder is null))
            {
                Console.Error.WriteLine("error: give exactly one of --data and --beir.");
                return 2;
            }
            return jsonl is not null
                ? Run(result.GetValue(model)!, jsonl, result.GetValue(atK), result.GetValue(batchSize), result.GetValue(maxLength), Console.Out, Console.Error, result.GetValue(format)!)
                : RunBeir(result.GetValue(model)!, folder!, result.GetValue(split), result.GetValue(atK), result.GetValue(batchSize), result.GetValue(maxLength), Console.Out, Console.Error,
                    result.GetValue(rerankK));
        });
        return command;
    }

    public static int Run(string modelPath, string dataPath, int atK, int batchSize, int? maxLength, TextWriter output, TextWriter errors,
        string format = "query-pos-neg") =>
        Evaluate(modelPath, () => new RerankingEvaluator(Samples(dataPath, DatasetFormats.Parse(format)), "eval", atK), batchSize, maxLength, output, errors);

    /// <summary>Evaluation samples from a dataset file: each query's relevant (label &gt; 0) and other passages.</summary>
    internal static List<RerankingSample> Samples(string path, DatasetFormat format)
    {
        var samples = RerankingSamples.FromExamples(DataPaths.Load(path, new DatasetReadOptions(format)).Examples);
        return samples.Count > 0 ? samples : throw new InputException($"{path}: no examples with a relevant passage.");
    }

    /// <summary>Evaluates on a BEIR folder or Hub dataset; <paramref name="hub"/> defaults to the environment's Hub settings.</summary>
    public static int RunBeir(string modelPath, string path, string? split, int atK, int batchSize, int? maxLength, TextWriter output, TextWriter errors,
        int rerankK = 100, Hub.HubSettings? hub = null) =>
        Evaluate(modelPath, () =>
        {
            var dataset = HubBeirDatasets.LoadFolderOrHub(path, split, hub ?? Hub.HubSettings.FromEnvironment());
            return new BeirEvaluator(dataset, new BeirEvaluatorOptions(Split: split ?? "test", Name: HubBeirDatasets.NameOf(path), AtK: atK, RerankK: rerankK));
        }, batchSize, maxLength, output, errors);

    static int Evaluate(string modelPath, Func<IEvaluator> evaluator, int batchSize, int? maxLength, TextWriter output, TextWriter errors)
    {
        try
        {
            var built = evaluator();
            using var encoder = CrossEncoder.Load(ModelPaths.Resolve(modelPath));
            var metrics = built.Evaluate(new Reranker(encoder, new RerankerOptions(batchSize, maxLength)));
            output.WriteLine(JsonSerializer.Serialize(metrics));
            return 0;
        }
        catch (Exception error) when (error is ModelFormatException or DataFormatException or BeirFormatException or ArgumentException or InputException or FormatException
            or Hub.HubException
            or Tokenization.Loading.TokenizerFormatException or Torch.Safetensors.SafetensorsException or IOException)
        {
            errors.WriteLine($"error: {error.Message}");
            return 2;
        }
    }
}
