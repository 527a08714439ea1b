using System.CommandLine;
using System.Text.Json;
using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Modeling;

namespace RerankExperiments.Cli.Commands;

/// <summary>`rerank eval --model M --data F.jsonl`: reranking metrics (MRR@k, NDCG@k, MAP) of query-pos-neg JSONL, printed as JSON.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Required = true, Description = "A model directory or a Hub repo id." };
        var data = new Option<string>("--data") { Required = true, Description = "JSONL of {\"query\", \"pos\": [...], \"neg\": [...]}." };
        var atK = new Option<int>("--at-k") { DefaultValueFactory = _ => 10 };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var maxLength = new Option<int?>("--max-length");
        var command = new Command("eval", "Evaluate a cross-encoder on reranking data.") { model, data, atK, batchSize, maxLength };
        command.SetAction(result => Run(result.GetValue(model)!, result.GetValue(data)!, result.GetValue(atK), result.GetValue(batchSize),
            result.GetValue(maxLength), Console.Out, Console.Error));
        return command;
    }

    public static int Run(string modelPath, string dataPath, int atK, int batchSize, int? maxLength, TextWriter output, TextWriter errors)
    {
        try
        {
            var samples = QueryPosNegJsonl.Read(dataPath).Select(r => new RerankingSample(r.Query, r.Positives, r.Negatives)).ToList();
            if (samples.Count == 0) throw new InputException($"{dataPath}: no examples.");
            using var encoder = CrossEncoder.Load(ModelPaths.Resolve(modelPath));
            var metrics = new RerankingEvaluator(samples, "eval", atK).Evaluate(new Reranker(encoder, new RerankerOptions(batchSize, maxLength)));
            output.WriteLine(JsonSerializer.Serialize(metrics));
            return 0;
        }
        catch (Exception error) when (error is ModelFormatException or DataFormatException or ArgumentException or InputException
            or Tokenization.Loading.TokenizerFormatException or Torch.Safetensors.SafetensorsException or IOException)
        {
            errors.WriteLine($"error: {error.Message}");
            return 2;
        }
    }
}
