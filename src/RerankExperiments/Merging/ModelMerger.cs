using RerankExperiments.Modeling;
using RerankExperiments.Torch.Safetensors;
using RerankExperiments.Torch.StateDicts;

namespace RerankExperiments.Merging;

/// <summary>
/// LM-Cocktail model merging for cross-encoders. <see cref="Merge"/> is <c>mix_models</c>: every tensor of N
/// checkpoints of one architecture averaged with fixed weights (<see cref="MergeWeights"/>, <see cref="TensorMixer"/>).
/// <see cref="MergeWithData"/> is <c>mix_models_with_data</c>: the weights come from each model's loss on a few
/// examples, wᵢ = softmax(−Lᵢ / τ) (<see cref="LossWeights"/>, <see cref="IExampleLoss"/>). Merging streams: the
/// checkpoints are memory-mapped and each output tensor is computed from one input tensor at a time and written
/// before the next, so memory holds one tensor per step, never N models. The output is a Hugging Face folder
/// written atomically (<see cref="StagedDirectory"/>): the first model's config, tokenizer and other top-level
/// non-weight files, the merged safetensors (one file, or shards laid out as the first model's), and a README.md
/// naming the models and weights.
/// </summary>
public sealed class ModelMerger(IExampleLoss? exampleLoss = null)
{
    /// <summary>Top-level files of the first model that are weights (or the model card) and so are not copied.</summary>
    static readonly string[] WeightSuffixes = [".safetensors", ".safetensors.index.json", ".bin", ".bin.index.json", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx", ".gguf"];

    readonly IExampleLoss _exampleLoss = exampleLoss ?? new ListwiseExampleLoss();

    /// <summary>
    /// Merges <paramref name="modelDirectories"/> with <paramref name="weights"/> (one per model; see
    /// <see cref="MergeWeights.Resolve"/> for <paramref name="normalize"/>) into <paramref name="outputDirectory"/>.
    /// </summary>
    public MergeResult Merge(IReadOnlyList<string> modelDirectories, IReadOnlyList<double> weights, string outputDirectory, bool normalize = true)
    {
        var models = CheckedPaths(modelDirectories, outputDirectory);
        var applied = MergeWeights.Resolve(weights, models.Count, normalize);
        return Write(new MergeResult(Path.GetFullPath(outputDirectory), models, applied));
    }

    /// <summary>Weights from <paramref name="options"/>' examples (<see cref="ComputeWeights"/>), then <see cref="Merge"/>.</summary>
    public MergeResult MergeWithData(IReadOnlyList<string> modelDirectories, AutoWeightOptions options, string outputDirectory)
    {
        var models = CheckedPaths(modelDirectories, outputDirectory);
        var automatic = ComputeWeights(models, options);
        return Write(new MergeResult(Path.GetFullPath(outputDirectory), models, automatic.Weights, automatic.Losses, automatic.Temperature));
    }

    /// <summary>
    /// Each model's mean loss on the same sampled groups (<see cref="LossGroups"/>), one model loaded at a time, and
    /// the weights softmax(−L / τ). The checkpoints are checked compatible first, before any model is run.
    /// </summary>
    public AutoWeights ComputeWeights(IReadOnlyList<string> modelDirectories, AutoWeightOptions options)
    {
        options = options.Validated();
        var models = CheckedPaths(modelDirectories, output: null);
        OpenCompatible(models).ForEach(c => c.Dispose());
        var groups = LossGroups.Build(options.LoadExamples(), options.NegNumber, options.Seed);
        var losses = models.Select(model => _exampleLoss.MeanLoss(model, groups, options)).ToArray();
        return new AutoWeights(LossWeights.FromLosses(losses, options.Temperature), losses, options.Temperature);
    }

    static MergeResult Write(MergeResult result)
    {
        var checkpoints = OpenCompatible(result.Models);
        try
        {
            var first = checkpoints[0];
            var metadata = first.Metadata.Count > 0 ? first.Metadata : StateDict.PyTorchMetadata;
            StagedDirectory.Write(result.OutputDirectory, staging =>
            {
                foreach (string file in Directory.EnumerateFiles(result.Models[0]))
                {
                    string name = Path.GetFileName(file);
                    if (name.StartsWith('.') || name == "README.md" || WeightSuffixes.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase))) continue;
                    File.Copy(file, Path.Combine(staging, name));
                }
                SafetensorsCheckpoint.SaveLike(staging, first, name => TensorMixer.Mix(name, checkpoints, result.Weights, result.Models), metadata);
                var config = ModelConfig.Load(Path.Combine(staging, "config.json"));
                string architecture = config.Json["architectures"]?[0]?.GetValue<string>() ?? config.ModelType;
                File.WriteAllText(Path.Combine(staging, "README.md"), MergeCard.For(result).ToMarkdown(config, architecture));
            });
        }
        finally
        {
            checkpoints.ForEach(c => c.Dispose());
        }
        return result;
    }

    /// <summary>Opens every checkpoint and checks them against the first; disposes them all on failure.</summary>
    static List<SafetensorsCheckpoint> OpenCompatible(IReadOnlyList<string> models)
    {
        var checkpoints = new List<SafetensorsCheckpoint>();
        try
        {
            foreach (string model in models) checkpoints.Add(SafetensorsCheckpoint.Open(model));
            CheckpointCompatibility.Check(checkpoints, models);
            return checkpoints;
        }
        catch
        {
            checkpoints.ForEach(c => c.Dispose());
            throw;
        }
    }

    /// <summary>
    /// Full paths of the model folders, each existing and holding a config.json; the output (when given) must be
    /// none of them and contain none of them, since it is replaced whole.
    /// </summary>
    static IReadOnlyList<string> CheckedPaths(IReadOnlyList<string> modelDirectories, string? output)
    {
        if (modelDirectories.Count == 0) throw new ArgumentException("A merge needs at least one model.");
        var models = modelDirectories.Select(m => Path.TrimEndingDirectorySeparator(Path.GetFullPath(m))).ToList();
        foreach (string model in models)
        {
            if (!Directory.Exists(model)) throw new ModelFormatException(model, "is not a model directory.");
            if (!File.Exists(Path.Combine(model, "config.json"))) throw new ModelFormatException(model, "has no config.json.");
        }
        if (output is not null)
        {
            string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(output));
            foreach (string model in models)
                if (model == target || model.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    throw new ArgumentException($"The output {target} would replace the input model {model}; choose another output folder.");
        }
        return models;
    }
}
