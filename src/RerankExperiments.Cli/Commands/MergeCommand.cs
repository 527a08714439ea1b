using System.CommandLine;
using System.Globalization;
using RerankExperiments.Data;
using RerankExperiments.Merging;
using RerankExperiments.Modeling;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Torch.Safetensors;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank merge --models A B [C …] (--weights w1 w2 … | --examples F [--temperature T] [--neg-number K] [--seed S])
/// --output DIR [--no-normalize]`: LM-Cocktail merging (<see cref="ModelMerger"/>). Prints the weights applied, and
/// with --examples each model's loss; bad input (a missing model, mismatched tensors, a wrong weight count) exits 2.
/// </summary>
public static class MergeCommand
{
    public static Command Create()
    {
        var models = new Option<string[]>("--models") { Description = "Model directories or Hub repo ids, same architecture; the first gives config and tokenizer.", Required = true, AllowMultipleArgumentsPerToken = true };
        var weights = new Option<double[]>("--weights") { Description = "One weight per model (fixed weights).", AllowMultipleArgumentsPerToken = true };
        var examples = new Option<string?>("--examples") { Description = "Query-pos-neg examples (JSONL etc.): weights = softmax(-loss / temperature)." };
        var temperature = new Option<double>("--temperature") { DefaultValueFactory = _ => 5.0, Description = "Softmax temperature of automatic weights (LM-Cocktail: 5)." };
        var negNumber = new Option<int>("--neg-number") { DefaultValueFactory = _ => 7, Description = "Negatives per group for the loss (LM-Cocktail: 7)." };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 42, Description = "Seed of the negative sampling." };
        var maxLength = new Option<int>("--max-length") { DefaultValueFactory = _ => 2048, Description = "Token limit of a pair, capped by the model's (LM-Cocktail max_input_length: 2048)." };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 2, Description = "Groups per forward batch (LM-Cocktail: 2)." };
        var output = new Option<string>("--output") { Description = "Folder for the merged model (replaced whole).", Required = true };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Apply the weights as given instead of requiring them to sum to 1." };
        var command = new Command("merge", "Merge models of one architecture by weighted parameter averaging (LM-Cocktail).")
        {
            models, weights, examples, temperature, negNumber, seed, maxLength, batchSize, output, noNormalize,
        };
        command.SetAction(result =>
        {
            string? examplesPath = result.GetValue(examples);
            var automatic = examplesPath is null ? null : new AutoWeightOptions
            {
                ExamplesPath = examplesPath,
                Temperature = result.GetValue(temperature),
                NegNumber = result.GetValue(negNumber),
                Seed = result.GetValue(seed),
                MaxInputLength = result.GetValue(maxLength),
                BatchSize = result.GetValue(batchSize),
            };
            return Run(result.GetValue(models)!, result.GetValue(weights), automatic, result.GetValue(output)!, !result.GetValue(noNormalize), Console.Out, Console.Error);
        });
        return command;
    }

    /// <summary>Fixed <paramref name="weights"/> or, with <paramref name="automatic"/>, weights from examples (exactly one of them).</summary>
    public static int Run(IReadOnlyList<string> models, IReadOnlyList<double>? weights, AutoWeightOptions? automatic, string outputPath, bool normalize,
        TextWriter output, TextWriter errors, IExampleLoss? exampleLoss = null)
    {
        MergeResult merged;
        try
        {
            if (models.Count == 0) throw new InputException("--models: give at least one model.");
            if ((weights is { Count: > 0 }) == (automatic is not null))
                throw new InputException("give either --weights (one per model) or --examples, not both and not neither.");
            var directories = models.Select(ModelPaths.Resolve).ToList();
            var merger = new ModelMerger(exampleLoss);
            merged = automatic is null
                ? merger.Merge(directories, weights!, outputPath, normalize)
                : merger.MergeWithData(directories, automatic, outputPath);
        }
        catch (Exception error) when (error is ModelMergeException or ModelFormatException or SafetensorsException or TokenizerFormatException
            or DataFormatException or ArgumentException or FormatException or InputException or IOException)
        {
            errors.WriteLine($"error: {error.Message}");
            return 2;
        }

        for (int i = 0; i < merged.Models.Count; i++)
        {
            string line = $"weight {merged.Weights[i].ToString("R", CultureInfo.InvariantCulture)}";
            if (merged.Losses is { } losses) line += $"  loss {losses[i].ToString("R", CultureInfo.InvariantCulture)}";
            output.WriteLine($"{line}  {merged.Models[i]}");
        }
        if (merged.Temperature is { } t) output.WriteLine($"temperature {t.ToString("R", CultureInfo.InvariantCulture)}");
        output.WriteLine($"merged model: {merged.OutputDirectory}");
        return 0;
    }
}
