using System.Text.Json.Nodes;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Torch.Safetensors;
using RerankExperiments.Torch.StateDicts;
using RerankExperiments.Torch.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Modeling;

/// <summary>
/// A cross-encoder as a Hugging Face folder holds it: config, tokenizer and weights. Loads folders that
/// transformers and sentence-transformers save (including a base encoder checkpoint, whose task head then starts
/// random), and saves folders they open as their own.
/// </summary>
public sealed class CrossEncoder : IDisposable
{
    /// <summary>Tokenizer files copied along when a model is saved.</summary>
    static readonly string[] TokenizerFiles =
        ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "sentencepiece.bpe.model", "spiece.model", "vocab.json", "merges.txt"];

    CrossEncoder(SequenceClassificationModel model, Tokenizer tokenizer, string? tokenizerDirectory, IReadOnlyList<string> newHeadParameters)
    {
        Model = model;
        Tokenizer = tokenizer;
        TokenizerDirectory = tokenizerDirectory;
        NewHeadParameters = newHeadParameters;
    }

    public SequenceClassificationModel Model { get; }
    public Tokenizer Tokenizer { get; }
    public ModelConfig Config => Model.Config;

    /// <summary>Where the tokenizer files came from (copied when saving).</summary>
    public string? TokenizerDirectory { get; }

    /// <summary>Head parameters the checkpoint lacked and that start random (a base checkpoint), else empty.</summary>
    public IReadOnlyList<string> NewHeadParameters { get; }

    /// <summary>The activation CrossEncoder.predict applies for this model by default.</summary>
    public ScoreActivation DefaultActivation => ScoreActivations.DefaultFor(Config);

    /// <summary>The longest input: the tokenizer's model_max_length, capped by the position scheme.</summary>
    public int MaxLength => Math.Min(Tokenizer.ModelMaxLength ?? int.MaxValue, Model.MaxSequenceLength);

    /// <summary>A new randomly initialised model for <paramref name="config"/> with a tokenizer (training from scratch).</summary>
    public static CrossEncoder Create(ModelConfig config, Tokenizer tokenizer, string? tokenizerDirectory, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var model = ModelFactory.Create(config);
        model.to(dtype);
        if (device is not null) model.to(device);
        return new CrossEncoder(model, tokenizer, tokenizerDirectory, []);
    }

    /// <summary>
    /// Loads a model folder (config.json, tokenizer files, model.safetensors or sharded safetensors) in
    /// <paramref name="dtype"/> on <paramref name="device"/>, in eval mode. Weights stored in another dtype are
    /// converted tensor by tensor.
    /// </summary>
    public static CrossEncoder Load(string directory, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var (model, tokenizer, newHead) = LoadParts(directory, dtype, device, (m, name) => m.IsHeadParameter(name));
        return new CrossEncoder(model, tokenizer, Path.GetFullPath(directory), newHead);
    }

    /// <summary>
    /// The model (eval mode, <paramref name="dtype"/>, on <paramref name="device"/>) and tokenizer of a folder, and
    /// the parameters the checkpoint lacked, which may only be those <paramref name="mayBeMissing"/> allows.
    /// Shared by <see cref="Load"/> (the head may be missing) and <see cref="TransformerBackbone"/> (anything
    /// outside the backbone may be).
    /// </summary>
    internal static (SequenceClassificationModel Model, Tokenizer Tokenizer, IReadOnlyList<string> Missing) LoadParts(string directory, ScalarType dtype,
        Device? device, Func<SequenceClassificationModel, string, bool> mayBeMissing)
    {
        directory = Path.GetFullPath(directory);
        if (!Directory.Exists(directory)) throw new ModelFormatException(directory, "is not a directory.");
        var config = ModelConfig.Load(Path.Combine(directory, "config.json"));
        var tokenizer = TokenizerLoader.Load(directory);
        if (!SafetensorsCheckpoint.Exists(directory)) throw MissingWeights(directory);

        var model = ModelFactory.Create(config);
        model.to(dtype);
        IReadOnlyList<string> missing;
        using (var checkpoint = SafetensorsCheckpoint.Open(directory))
            missing = LoadWeights(model, checkpoint, name => mayBeMissing(model, name));
        if (device is not null) model.to(device);
        model.eval();
        return (model, tokenizer, missing);
    }

    /// <summary>
    /// Copies checkpoint weights into the model. Unexpected tensors fail the load unless the architecture calls
    /// them ignorable; missing tensors fail it unless <paramref name="mayBeMissing"/> allows all of them (the task
    /// head of a base checkpoint); a shape mismatch always fails. Every offending name is listed with the file.
    /// </summary>
    static IReadOnlyList<string> LoadWeights(SequenceClassificationModel model, ITensorSource checkpoint, Func<string, bool> mayBeMissing)
    {
        var source = WithBasePrefix(model, checkpoint);
        var report = StateDict.Compare(model, source);
        var unexpected = report.Unexpected.Where(n => !model.IsIgnorableCheckpointTensor(n)).ToList();
        var missing = report.Missing.Where(n => !mayBeMissing(n)).ToList();
        if (unexpected.Count > 0 || missing.Count > 0 || report.Mismatched.Count > 0)
            throw new ModelFormatException(checkpoint.Origin,
                new StateDictMismatchException("the checkpoint", report with { Missing = missing, Unexpected = unexpected }).Message);
        StateDict.Load(model, source, strict: false);
        return report.Missing;
    }

    /// <summary>Adds the base-model prefix (bert., roberta., model.) when the checkpoint is a bare encoder.</summary>
    static ITensorSource WithBasePrefix(SequenceClassificationModel model, ITensorSource checkpoint)
    {
        var encoderNames = StateDict.Of(model).Select(e => e.Key).Where(n => !model.IsHeadParameter(n)).ToList();
        if (encoderNames.Count == 0) return checkpoint;
        string prefix = encoderNames[0][..(encoderNames[0].IndexOf('.') + 1)];
        if (prefix.Length == 0 || checkpoint.Names.Any(n => n.StartsWith(prefix, StringComparison.Ordinal))) return checkpoint;
        bool bare = encoderNames.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Any(n => checkpoint.Names.Contains(n[prefix.Length..]));
        return bare ? new PrefixedTensorSource(checkpoint, prefix) : checkpoint;
    }

    static ModelFormatException MissingWeights(string directory)
    {
        foreach (var pickle in new[] { "pytorch_model.bin", "pytorch_model.bin.index.json" })
            if (File.Exists(Path.Combine(directory, pickle)))
                return new ModelFormatException(Path.Combine(directory, pickle),
                    "holds PyTorch pickle weights, which this project does not read (pickle can run code). Convert the folder once to safetensors: " +
                    $"python -c \"from transformers import AutoModelForSequenceClassification as M; M.from_pretrained('{directory}').save_pretrained('{directory}', safe_serialization=True)\"");
        return new ModelFormatException(directory, $"holds no {SafetensorsCheckpoint.SingleFileName} or {SafetensorsCheckpoint.IndexFileName}.");
    }

    /// <summary>
    /// Saves a Hugging Face folder that AutoModelForSequenceClassification and CrossEncoder open: config.json
    /// (architectures, num_labels as id2label/label2id, the activation CrossEncoder should apply, dtype),
    /// model.safetensors, the tokenizer files, and a README.md model card when given. The folder is written beside
    /// its destination and swapped in, so an interrupted save never leaves a half-written model.
    /// </summary>
    public void Save(string directory, ModelCard? card = null, ScoreActivation? activation = null) =>
        StagedDirectory.Write(directory, staging =>
        {
            SavedConfig(activation ?? DefaultActivation).Save(Path.Combine(staging, "config.json"));
            StateDict.Save(Model, staging);
            if (TokenizerDirectory is not null)
                foreach (var file in TokenizerFiles)
                    if (File.Exists(Path.Combine(TokenizerDirectory, file))) File.Copy(Path.Combine(TokenizerDirectory, file), Path.Combine(staging, file));
            if (card is not null) File.WriteAllText(Path.Combine(staging, "README.md"), card.ToMarkdown(Config, Model.GetType().Name));
        });

    ModelConfig SavedConfig(ScoreActivation activation)
    {
        var json = (JsonObject)Config.Json.DeepClone();
        json["architectures"] = new JsonArray(Model.GetType().Name);
        if (json["id2label"] is not JsonObject || ((JsonObject)json["id2label"]!).Count != Model.NumLabels)
        {
            var id2label = new JsonObject();
            var label2id = new JsonObject();
            for (int i = 0; i < Model.NumLabels; i++)
            {
                id2label[i.ToString()] = $"LABEL_{i}";
                label2id[$"LABEL_{i}"] = i;
            }
            json["id2label"] = id2label;
            json["label2id"] = label2id;
        }
        json.Remove("num_labels");
        json["dtype"] = DTypeName(Model.parameters().First().dtype);
        var sentenceTransformers = json["sentence_transformers"] as JsonObject ?? new JsonObject();
        sentenceTransformers["activation_fn"] = activation.TorchClassName();
        json["sentence_transformers"] = sentenceTransformers;
        return new ModelConfig(json, Config.Path);
    }

    static string DTypeName(ScalarType type) => type switch
    {
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => "float32",
    };

    public void Dispose() => Model.Dispose();
}
