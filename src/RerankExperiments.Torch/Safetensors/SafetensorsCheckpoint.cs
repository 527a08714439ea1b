using System.Text.Json;
using System.Text.Json.Nodes;
using RerankExperiments.Torch.Tensors;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Safetensors;

/// <summary>
/// A model's weights as Hugging Face stores them: one <c>model.safetensors</c>, or shards
/// <c>model-00001-of-0000N.safetensors</c> listed by <c>model.safetensors.index.json</c>
/// (<c>{"metadata": {"total_size": bytes}, "weight_map": {tensor: shard file}}</c>). Reads go to the shard that
/// holds the tensor; every shard is validated on open and must hold exactly what the index says.
/// </summary>
public sealed class SafetensorsCheckpoint : ITensorSource, IDisposable
{
    /// <summary>The single-file name.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The shard index name.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    readonly Dictionary<string, SafetensorsFile> _byTensor;
    readonly List<SafetensorsFile> _shards;
    readonly bool _indexed;

    SafetensorsCheckpoint(string origin, List<SafetensorsFile> shards, Dictionary<string, SafetensorsFile> byTensor, bool indexed)
    {
        Origin = origin;
        _indexed = indexed;
        _shards = shards;
        _byTensor = byTensor;
    }

    public string Origin { get; }

    public IReadOnlyCollection<string> Names => _byTensor.Keys;

    /// <summary>The opened shard files (one for an unsharded checkpoint).</summary>
    public IReadOnlyList<SafetensorsFile> Shards => _shards;

    /// <summary>True when the weights were opened through model.safetensors.index.json (sharded layout).</summary>
    public bool IsSharded => _indexed;

    /// <summary>Metadata of the first shard (transformers writes <c>{"format": "pt"}</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _shards[0].Metadata;

    /// <summary>True when <paramref name="directory"/> holds safetensors weights in either layout.</summary>
    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, SingleFileName)) || File.Exists(Path.Combine(directory, IndexFileName));

    /// <summary>
    /// Opens the weights at <paramref name="path"/>: a directory (the index when present, else model.safetensors),
    /// an index file, or one .safetensors file.
    /// </summary>
    public static SafetensorsCheckpoint Open(string path)
    {
        path = Path.GetFullPath(path);
        if (Directory.Exists(path))
        {
            string index = Path.Combine(path, IndexFileName);
            if (File.Exists(index)) return OpenIndex(index);
            string single = Path.Combine(path, SingleFileName);
            if (File.Exists(single)) return OpenSingle(single);
            throw new SafetensorsException(path, $"holds neither {SingleFileName} nor {IndexFileName}.");
        }
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return OpenIndex(path);
        return OpenSingle(path);
    }

    static SafetensorsCheckpoint OpenSingle(string file)
    {
        var shard = SafetensorsFile.Open(file);
        return new SafetensorsCheckpoint(file, [shard], shard.Names.ToDictionary(n => n, _ => shard, StringComparer.Ordinal), indexed: false);
    }

    static SafetensorsCheckpoint OpenIndex(string indexPath)
    {
        if (!File.Exists(indexPath)) throw new SafetensorsException(indexPath, "does not exist.");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(indexPath));
        }
        catch (JsonException error)
        {
            throw new SafetensorsException(indexPath, $"is not valid JSON: {error.Message}", error);
        }
        if (root?["weight_map"] is not JsonObject weightMap)
            throw new SafetensorsException(indexPath, "has no 'weight_map' object.");

        string directory = Path.GetDirectoryName(indexPath)!;
        var files = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var byTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var (tensor, fileNode) in weightMap)
            {
                if (fileNode is not JsonValue value || !value.TryGetValue<string>(out var fileName) || fileName.Contains('/') || fileName.Contains('\\'))
                    throw new SafetensorsException(indexPath, tensor, "weight_map entry is not a plain shard file name.");
                if (!files.TryGetValue(fileName, out var shard))
                {
                    string shardPath = Path.Combine(directory, fileName);
                    if (!File.Exists(shardPath)) throw new SafetensorsException(indexPath, tensor, $"is mapped to shard '{fileName}', which does not exist.");
                    shard = SafetensorsFile.Open(shardPath);
                    files.Add(fileName, shard);
                }
                if (!shard.Names.Contains(tensor))
                    throw new SafetensorsException(shard.Path, tensor, $"is listed in {Path.GetFileName(indexPath)} but missing from this shard.");
                byTensor.Add(tensor, shard);
            }
            foreach (var shard in files.Values)
                foreach (var tensor in shard.Names)
                    if (!byTensor.TryGetValue(tensor, out var owner) || owner != shard)
                        throw new SafetensorsException(shard.Path, tensor, $"is in this shard but not mapped to it by {Path.GetFileName(indexPath)}.");
            if (files.Count == 0) throw new SafetensorsException(indexPath, "weight_map is empty.");
        }
        catch
        {
            foreach (var shard in files.Values) shard.Dispose();
            throw;
        }
        return new SafetensorsCheckpoint(indexPath, files.Values.ToList(), byTensor, indexed: true);
    }

    public TensorDescription Describe(string name) => Owner(name).Describe(name);

    public Tensor Read(string name, ScalarType? dtype = null, Device? device = null) => Owner(name).Read(name, dtype, device);

    SafetensorsFile Owner(string name) =>
        _byTensor.TryGetValue(name, out var shard) ? shard : throw new SafetensorsException(Origin, name, "not in this checkpoint.");

    public void Dispose()
    {
        foreach (var shard in _shards) shard.Dispose();
    }

    /// <summary>
    /// Saves tensors into <paramref name="directory"/> as Hugging Face does: one model.safetensors when they fit
    /// in <paramref name="maxShardBytes"/>, else numbered shards (filled in name order) plus the index. Weight
    /// files of an earlier save in the other layout are removed afterwards.
    /// </summary>
    public static void Save(string directory, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        long maxShardBytes = 5_000_000_000)
    {
        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors) byName.TryAdd(name, tensor);
        SaveStreaming(directory, tensors.Select(t => new KeyValuePair<string, TensorDescription>(t.Key, new TensorDescription(t.Value.dtype, t.Value.shape))).ToList(),
            name => byName[name], metadata, maxShardBytes);
    }

    /// <summary>
    /// Save for tensors made one at a
    /// time: <paramref name="produce"/> is called once per name of <paramref name="layout"/> while its shard is
    /// written, and what it creates is freed right after (see <see cref="SafetensorsWriter"/>).
    /// </summary>
    public static void SaveStreaming(string directory, IReadOnlyList<KeyValuePair<string, TensorDescription>> layout, Func<string, Tensor> produce,
        IReadOnlyDictionary<string, string>? metadata = null, long maxShardBytes = 5_000_000_000)
    {
        if (maxShardBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxShardBytes));
        var shards = new List<List<KeyValuePair<string, TensorDescription>>> { new() };
        long current = 0;
        foreach (var entry in layout.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            long bytes = SafetensorsWriter.ByteCount(entry.Value);
            if (current > 0 && current + bytes > maxShardBytes)
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(entry);
            current += bytes;
        }
        List<(string, List<KeyValuePair<string, TensorDescription>>)> files = shards.Count == 1
            ? [(SingleFileName, shards[0])]
            : shards.Select((shard, i) => ($"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors", shard)).ToList();
        WriteFiles(directory, files, indexed: shards.Count > 1, produce, metadata);
    }

    /// <summary>
    /// Saves tensors made one at a time by <paramref name="produce"/> in the layout of <paramref name="template"/>:
    /// one model.safetensors when the template is one file, else the template's shard file names, each tensor in the
    /// shard the template's index puts it in, and a new index. Every name of the template is produced, with the
    /// template's dtype and shape.
    /// </summary>
    public static void SaveLike(string directory, SafetensorsCheckpoint template, Func<string, Tensor> produce, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var files = template._shards.Select(shard => (
            template._indexed ? Path.GetFileName(shard.Path) : SingleFileName,
            shard.Names.Order(StringComparer.Ordinal).Select(name => new KeyValuePair<string, TensorDescription>(name, shard.Describe(name))).ToList())).ToList();
        WriteFiles(directory, files, template._indexed, produce, metadata);
    }

    static void WriteFiles(string directory, IReadOnlyList<(string FileName, List<KeyValuePair<string, TensorDescription>> Tensors)> files, bool indexed,
        Func<string, Tensor> produce, IReadOnlyDictionary<string, string>? metadata)
    {
        directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(directory);
        string index = Path.Combine(directory, IndexFileName);
        if (!indexed)
        {
            SafetensorsWriter.Write(Path.Combine(directory, SingleFileName), files.Single().Tensors, produce, metadata);
            RemoveStaleShards(directory, keep: null);
            if (File.Exists(index)) File.Delete(index);
            return;
        }

        var weightMap = new JsonObject();
        long total = 0;
        foreach (var (name, tensors) in files)
        {
            SafetensorsWriter.Write(Path.Combine(directory, name), tensors, produce, metadata);
            foreach (var entry in tensors)
            {
                weightMap[entry.Key] = name;
                total += SafetensorsWriter.ByteCount(entry.Value);
            }
        }
        var document = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = total },
            ["weight_map"] = weightMap,
        };
        string temporary = index + ".partial";
        File.WriteAllText(temporary, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temporary, index, overwrite: true);
        RemoveStaleShards(directory, keep: files.Select(f => f.FileName).ToList());
        string single = Path.Combine(directory, SingleFileName);
        if (File.Exists(single)) File.Delete(single);
    }

    static void RemoveStaleShards(string directory, List<string>? keep)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "model-*-of-*.safetensors"))
            if (keep is null || !keep.Contains(Path.GetFileName(file))) File.Delete(file);
    }
}
