using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using RerankExperiments.Torch.Precision;
using RerankExperiments.Training;
using RerankExperiments.Training.Storage;
using Serilog;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank train`: fine-tunes a cross-encoder on a dataset file (JSONL, JSON, CSV/TSV, Parquet or Arrow) in one of
/// the formats (FlagEmbedding's query-pos-neg by default, pairs, labeled-pairs, triplets) with a loss by name, evaluating on held-out JSONL, saving checkpoints under --output and the final model in
/// --output/model. Ctrl-C finishes the step, saves a checkpoint and exits 130; --resume latest continues.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Starting model: a directory or a Hub repo id.", Required = true };
        var trainData = new Option<string>("--train-data") { Description = "Training data: .jsonl(.gz), .json, .csv, .tsv, .parquet or .arrow, or hf:org/name[:split] for a Hub dataset.", Required = true };
        var evalData = new Option<string?>("--eval-data") { Description = "Evaluation data in the same format (MRR@10, NDCG@10, MAP)." };
        var format = new Option<string>("--format") { DefaultValueFactory = _ => "query-pos-neg", Description = "query-pos-neg, pairs, labeled-pairs or triplets." };
        var output = new Option<string>("--output") { Description = "Folder for checkpoints and the final model.", Required = true };
        var loss = new Option<string>("--loss") { DefaultValueFactory = _ => "listwise-ce", Description = "bce, listwise-ce, mnrl, cached-mnrl, lambda, listnet, ranknet, margin-mse, kl-distill." };
        var groupSize = new Option<int?>("--group-size") { Description = "Passages per query (1 positive + negatives), FlagEmbedding's train_group_size; default 8 for listwise-ce." };
        var epochs = new Option<double>("--epochs") { DefaultValueFactory = _ => 1 };
        var maxSteps = new Option<long>("--max-steps") { DefaultValueFactory = _ => -1 };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 16 };
        var learningRate = new Option<double>("--learning-rate") { DefaultValueFactory = _ => 2e-5 };
        var warmupRatio = new Option<double>("--warmup-ratio") { DefaultValueFactory = _ => 0.1 };
        var scheduler = new Option<string>("--scheduler") { DefaultValueFactory = _ => "linear" };
        var accumulation = new Option<int>("--gradient-accumulation") { DefaultValueFactory = _ => 1 };
        var precision = new Option<string>("--precision") { DefaultValueFactory = _ => "fp32" };
        var maxLength = new Option<int?>("--max-length");
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 42 };
        var evalSteps = new Option<long>("--eval-steps") { DefaultValueFactory = _ => 0 };
        var saveSteps = new Option<long>("--save-steps") { DefaultValueFactory = _ => 500 };
        var saveTotalLimit = new Option<int?>("--save-total-limit");
        var resume = new Option<string?>("--resume") { Description = "latest, or a checkpoint folder." };
        var skipBadRows = new Option<bool>("--skip-bad-rows") { Description = "Skip malformed data lines (counted and reported) instead of stopping." };
        var oomBackoff = new Option<bool>("--oom-backoff") { Description = "Out of memory: split micro-batches until they fit, keeping the effective batch and gradient." };
        var command = new Command("train", "Fine-tune a cross-encoder reranker.")
        {
            model, trainData, evalData, format, output, loss, groupSize, epochs, maxSteps, batchSize, learningRate, warmupRatio, scheduler,
            accumulation, precision, maxLength, seed, evalSteps, saveSteps, saveTotalLimit, resume, skipBadRows, oomBackoff,
        };
        command.SetAction(result =>
        {
            string lossName = result.GetValue(loss)!;
            int? group = result.GetValue(groupSize) ?? (lossName == "listwise-ce" ? 8 : null);
            var options = new TrainingOptions
            {
                OutputDir = result.GetValue(output)!,
                Epochs = result.GetValue(epochs),
                MaxSteps = result.GetValue(maxSteps),
                BatchSize = result.GetValue(batchSize),
                LearningRate = result.GetValue(learningRate),
                WarmupRatio = result.GetValue(warmupRatio),
                Scheduler = result.GetValue(scheduler)!,
                GradientAccumulation = result.GetValue(accumulation),
                Precision = PrecisionModes.Parse(result.GetValue(precision)!),
                MaxLength = result.GetValue(maxLength),
                Seed = result.GetValue(seed),
                EvalSteps = result.GetValue(evalSteps),
                SaveSteps = result.GetValue(saveSteps),
                SaveTotalLimit = result.GetValue(saveTotalLimit),
                GroupSize = group,
                LengthGrouping = true,
                OomBackoff = result.GetValue(oomBackoff),
            };
            return Run(result.GetValue(model)!, result.GetValue(trainData)!, result.GetValue(evalData), lossName, options,
                result.GetValue(resume), result.GetValue(skipBadRows), Console.Out, Console.Error, result.GetValue(format)!);
        });
        return command;
    }

    public static int Run(string modelPath, string trainPath, string? evalPath, string lossName, TrainingOptions options, string? resume,
        bool skipBadRows, TextWriter output, TextWriter errors, string format = "query-pos-neg", CancellationToken cancellationToken = default)
    {
        CrossEncoder encoder;
        IRankingLoss loss;
        List<RankingExample> train;
        List<IEvaluator> evaluators = [];
        try
        {
            options = options.Validated();
            // Before reading any data: the output folder must be writable and hold what the run will write.
            OutputPreflight.EnsureWritable(options.OutputDir, OutputSettingNames.CommandLine);
            string modelDirectory = ModelPaths.Resolve(modelPath);
            OutputPreflight.EnsureSpace(options.OutputDir, OutputSpaceEstimate.For(ModelWeights.Measure(modelDirectory), options, modelCopies: 1), OutputSettingNames.CommandLine);
            var lossOptions = new Dictionary<string, object?>();
            if (lossName == "listwise-ce") lossOptions["group_size"] = options.GroupSize ?? 8;
            loss = LossFactory.Create(lossName, lossOptions);
            var read = new DatasetReadOptions(DatasetFormats.Parse(format), SkipBadRows: skipBadRows);
            var loaded = DataPaths.Load(trainPath, read);
            if (loaded.Skipped.Count > 0)
                errors.WriteLine($"warning: {trainPath}: skipped {loaded.Skipped.Count} malformed row(s), e.g. {loaded.Skipped[0].Message}");
            train = loaded.Examples.ToList();
            if (train.Count == 0) throw new InputException($"{trainPath}: no training examples.");
            if (evalPath is not null)
                evaluators.Add(new RerankingEvaluator(EvalCommand.Samples(evalPath, read.Format), "eval"));
            encoder = CrossEncoder.Load(modelDirectory);
        }
        catch (Exception error) when (error is ModelFormatException or DataFormatException or ArgumentException or FormatException or InputException
            or Tokenization.Loading.TokenizerFormatException or Torch.Safetensors.SafetensorsException or IOException)
        {
            errors.WriteLine($"error: {error.Message}");
            return 2;
        }

        using (encoder)
        {
            // Ctrl-C or SIGTERM: the trainer finishes the step, saves a checkpoint and returns; a second signal kills the process.
            using var interruption = new Interruption(errors, cancellationToken);
            TrainingResult result;
            Directory.CreateDirectory(options.OutputDir);
            using (var log = new Serilog.LoggerConfiguration()
                .WriteTo.File(Path.Combine(options.OutputDir, "train.log"), formatProvider: CultureInfo.InvariantCulture)
                .CreateLogger())
            {
                var callbacks = new CompositeTrainingCallback([new ConsoleProgressCallback(errors), new LoggingTrainingCallback(log)]);
                result = new CrossEncoderTrainer().Train(encoder, train, loss, evaluators, options, callbacks, resume, interruption.Token);
            }
            string final = Path.Combine(options.OutputDir, "model");
            encoder.Save(final, new ModelCard(BaseModel: modelPath, TrainingData: Path.GetFileName(trainPath), Loss: loss.Name,
                Hyperparameters: new Dictionary<string, string>
                {
                    ["learning_rate"] = options.LearningRate.ToString(CultureInfo.InvariantCulture),
                    ["batch_size"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
                    ["epochs"] = options.Epochs.ToString(CultureInfo.InvariantCulture),
                    ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
                    ["precision"] = options.Precision.ToString(),
                },
                Metrics: result.FinalMetrics));
            output.WriteLine(JsonSerializer.Serialize(new { steps = result.GlobalSteps, skipped_steps = result.SkippedSteps, metrics = result.FinalMetrics, model = Path.GetFullPath(final) }));
            return result.Cancelled ? 130 : 0;
        }
    }
}
