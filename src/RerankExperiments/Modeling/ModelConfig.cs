using System.Text.Json;
using System.Text.Json.Nodes;

namespace RerankExperiments.Modeling;

/// <summary>
/// A Hugging Face config.json: the JSON object as written (kept whole, so saving preserves every field the
/// project does not interpret) with typed reads whose errors name the file and the field.
/// </summary>
public sealed class ModelConfig
{
    public ModelConfig(JsonObject json, string path)
    {
        Json = json;
        Path = path;
    }

    /// <summary>The file it came from (or a description, for configs built in code).</summary>
    public string Path { get; }

    /// <summary>The whole object.</summary>
    public JsonObject Json { get; }

    /// <summary>
    /// A config built in code (training from scratch): model_type plus the given fields, with one output label
    /// unless the fields say otherwise. Fields the architecture reads and that are absent take its defaults.
    /// </summary>
    public static ModelConfig FromFields(string modelType, IReadOnlyDictionary<string, object> fields)
    {
        var json = new JsonObject { ["model_type"] = modelType };
        foreach (var (name, value) in fields) json[name] = JsonValue.Create(value);
        if (json["id2label"] is null && json["num_labels"] is null)
            json["id2label"] = new JsonObject { ["0"] = "LABEL_0" };
        return new ModelConfig(json, $"{modelType} config built in code");
    }

    /// <summary>Reads config.json.</summary>
    public static ModelConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException(path, "does not exist (a model folder needs config.json).");
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException error)
        {
            throw new ModelFormatException(path, $"is not valid JSON (line {error.LineNumber + 1}): {error.Message}", error);
        }
        return node is JsonObject json ? new ModelConfig(json, path) : throw new ModelFormatException(path, "is not a JSON object.");
    }

    /// <summary>Writes the object as config.json (indented, as transformers writes it).</summary>
    public void Save(string path)
    {
        string temporary = path + ".partial";
        File.WriteAllText(temporary, Json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>model_type (required).</summary>
    public string ModelType => String("model_type");

    /// <summary>
    /// Output labels: transformers stores no num_labels but id2label, so it is that map's size; a legacy
    /// num_labels field is honoured; 2 when neither is present (transformers' default).
    /// </summary>
    public int NumLabels =>
        Json["id2label"] is JsonObject labels ? labels.Count : OptionalInt("num_labels") ?? 2;

    public bool Has(string name) => Json[name] is not null;

    public string String(string name) => OptionalString(name) ?? throw Missing(name);
    public int Int(string name) => OptionalInt(name) ?? throw Missing(name);
    public double Double(string name) => OptionalDouble(name) ?? throw Missing(name);
    public bool Bool(string name) => OptionalBool(name) ?? throw Missing(name);

    public string? OptionalString(string name) => Read(name, node => node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null, "a string");

    public int? OptionalInt(string name) => Read<int?>(name, node =>
        node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<int>(out int v) ? v
        : node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<double>(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue ? (int)d : null, "an integer");

    public double? OptionalDouble(string name) => Read<double?>(name, node =>
        node.GetValueKind() != JsonValueKind.Number ? null
        // A value built in code keeps its CLR type (int, long, float…); one parsed from a file is a JsonElement.
        : node.AsValue().TryGetValue(out double d) ? d : double.Parse(node.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture), "a number");

    public bool? OptionalBool(string name) => Read<bool?>(name, node => node.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    }, "true or false");

    /// <summary>The error for a field whose value the model cannot use.</summary>
    public ModelFormatException Invalid(string name, string problem) => new(Path, $"field '{name}': {problem}");

    ModelFormatException Missing(string name) => new(Path, $"field '{name}' is missing.");

    T? Read<T>(string name, Func<JsonNode, T?> convert, string expected)
    {
        var node = Json[name];
        if (node is null) return default;
        return convert(node) ?? throw new ModelFormatException(Path, $"field '{name}' should be {expected}, found {node.ToJsonString()}.");
    }
}
