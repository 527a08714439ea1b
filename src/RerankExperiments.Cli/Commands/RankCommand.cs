using System.CommandLine;
using System.Text.Json;
using RerankExperiments.Modeling;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank rank --model M --input F`: input lines {"query": ..., "documents": [...]} (the documents key is
/// configurable, e.g. the rerank_model seed's "kowndges"); output lines {"query": ..., "ranking": [{"index", "score",
/// "document"}, …]} best first, ties in input order. All lists are scored together in length-sorted batches.
/// </summary>
public static class RankCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Required = true, Description = "A model directory or a Hub repo id." };
        var input = new Option<string>("--input") { Required = true, Description = "JSONL of {\"query\": ..., \"documents\": [...]} (- for stdin)." };
        var documentsKey = new Option<string>("--documents-key") { DefaultValueFactory = _ => "documents" };
        var topK = new Option<int?>("--top-k");
        var output = new Option<string?>("--output") { Description = "Where to write the rankings (default stdout)." };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var maxLength = new Option<int?>("--max-length");
        var activation = new Option<string?>("--activation") { Description = "none or sigmoid (default: CrossEncoder.predict's choice for the model)." };
        var command = new Command("rank", "Rank each query's documents with a cross-encoder.") { model, input, documentsKey, topK, output, batchSize, maxLength, activation };
        command.SetAction(result => Run(result.GetValue(model)!, result.GetValue(input)!, result.GetValue(documentsKey)!, result.GetValue(topK),
            result.GetValue(output), result.GetValue(batchSize), result.GetValue(maxLength), result.GetValue(activation), Console.Error));
        return command;
    }

    public static int Run(string modelPath, string inputPath, string documentsKey, int? topK, string? outputPath, int batchSize, int? maxLength,
        string? activationName, TextWriter errors)
    {
        List<(string Query, IReadOnlyList<string> Documents)> lists;
        CrossEncoder encoder;
        RerankerOptions options;
        try
        {
            if (topK is < 1) throw new InputException($"--top-k is {topK}; it must be ≥ 1.");
            options = new RerankerOptions(batchSize, maxLength, activationName is null ? null : ScoreActivations.Parse(activationName)).Validated();
            lists = ReadLists(inputPath, documentsKey);
            encoder = CrossEncoder.Load(ModelPaths.Resolve(modelPath));
        }
        catch (Exception error) when (error is ModelFormatException or TokenizerFormatException or FormatException or ArgumentException
            or InputException or IOException or Torch.Safetensors.SafetensorsException)
        {
            errors.WriteLine($"error: {error.Message}");
            return 2;
        }
        using (encoder)
        {
            var rankings = new Reranker(encoder, options).RankMany(lists, topK);
            using var writer = outputPath is null ? new StreamWriter(Console.OpenStandardOutput()) : new StreamWriter(outputPath);
            for (int i = 0; i < lists.Count; i++)
            {
                var (query, documents) = lists[i];
                writer.WriteLine(JsonSerializer.Serialize(new
                {
                    query,
                    ranking = rankings[i].Select(r => new { index = r.Index, score = r.Score, document = documents[r.Index] }),
                }));
            }
        }
        return 0;
    }

    static List<(string, IReadOnlyList<string>)> ReadLists(string path, string documentsKey) =>
        JsonlInput.Read(path, row =>
        {
            string query = JsonlInput.String(row, "query");
            if (!row.TryGetProperty(documentsKey, out var documents) || documents.ValueKind != JsonValueKind.Array)
                throw new FormatException($"\"{documentsKey}\" must be a list of strings");
            IReadOnlyList<string> texts = documents.EnumerateArray()
                .Select(d => d.ValueKind == JsonValueKind.String ? d.GetString()! : throw new FormatException($"\"{documentsKey}\" must hold only strings")).ToList();
            return (query, texts);
        });
}
