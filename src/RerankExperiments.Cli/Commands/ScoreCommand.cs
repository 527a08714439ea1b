using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RerankExperiments.Modeling;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Torch.Precision;
using RerankExperiments.Torch.Safetensors;
using RerankExperiments.Torch.StateDicts;
using TorchSharp;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank score --model M --input pairs.jsonl`: one line {"score": x} per input line {"query", "passage"}, in input
/// order, to stdout or --output. The default activation is what sentence-transformers' CrossEncoder.predict applies
/// for the model; the default max length is the model's own limit.
/// </summary>
public static class ScoreCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A model directory or a Hugging Face Hub repo id.", Required = true };
        var input = new Option<string>("--input") { Description = "JSONL file of {\"query\", \"passage\"} lines (- for stdin).", Required = true };
        var output = new Option<string?>("--output") { Description = "Where to write the scores (default stdout)." };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var maxLength = new Option<int?>("--max-length") { Description = "Default: the model's own limit." };
        var activation = new Option<string?>("--activation") { Description = "none or sigmoid (default: CrossEncoder.predict's choice for the model)." };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { DefaultValueFactory = _ => "fp32" };
        var command = new Command("score", "Score (query, passage) pairs with a cross-encoder.") { model, input, output, batchSize, maxLength, activation, device, dtype };
        command.SetAction(result => Run(result.GetValue(model)!, result.GetValue(input)!, result.GetValue(output), result.GetValue(batchSize),
            result.GetValue(maxLength), result.GetValue(activation), result.GetValue(device)!, result.GetValue(dtype)!, Console.Error));
        return command;
    }

    public static int Run(string modelPath, string inputPath, string? outputPath, int batchSize, int? maxLength, string? activationName,
        string deviceName, string dtypeName, TextWriter errors)
    {
        List<(string Query, string Passage)> pairs;
        CrossEncoder encoder;
        RerankerOptions options;
        try
        {
            options = new RerankerOptions(batchSize, maxLength, activationName is null ? null : ScoreActivations.Parse(activationName)).Validated();
            var precision = PrecisionModes.Parse(dtypeName);
            pairs = ReadPairs(inputPath);
            encoder = CrossEncoder.Load(ModelPaths.Resolve(modelPath), precision.ComputeType(), torch.device(deviceName));
        }
        catch (Exception error) when (error is ModelFormatException or TokenizerFormatException or SafetensorsException or StateDictMismatchException
            or FormatException or ArgumentException or InputException or IOException)
        {
            errors.WriteLine($"error: {error.Message}");
            return 2;
        }
        using (encoder)
        {
            float[] scores = new Reranker(encoder, options).Score(pairs);
            using var writer = outputPath is null ? new StreamWriter(Console.OpenStandardOutput()) : new StreamWriter(outputPath);
            foreach (float score in scores) writer.WriteLine($"{{\"score\":{score.ToString("R", CultureInfo.InvariantCulture)}}}");
        }
        return 0;
    }

    static List<(string, string)> ReadPairs(string path) =>
        JsonlInput.Read(path, row => (JsonlInput.String(row, "query"), JsonlInput.String(row, "passage")));
}
