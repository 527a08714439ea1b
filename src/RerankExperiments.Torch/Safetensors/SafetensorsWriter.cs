using System.Text;
using System.Text.Json;
using RerankExperiments.Torch.Tensors;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Safetensors;

/// <summary>
/// Writes safetensors files as the reference implementation lays them out: tensors ordered by element size
/// (largest first, so every tensor stays aligned) then by name, the JSON header padded with spaces to a multiple
/// of 8 bytes, metadata as a string map. The file is written beside its destination and renamed into place, so
/// a crash never leaves a half-written file under the real name.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> (any device; copied to CPU as needed) to <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var layout = new List<KeyValuePair<string, TensorDescription>>();
        foreach (var (name, tensor) in tensors)
        {
            layout.Add(new(name, new TensorDescription(tensor.dtype, tensor.shape)));
            byName.TryAdd(name, tensor);
        }
        Write(path, layout, name => byName[name], metadata);
    }

    /// <summary>
    /// Writes a file whose tensors are made one at a time: the header comes from <paramref name="layout"/>, then
    /// <paramref name="produce"/> is called once per tensor, in file order, inside a dispose scope, so a tensor it
    /// creates is freed as soon as its bytes are written and only one is alive at a time (merging checkpoints that
    /// do not fit in memory together). Each produced tensor must have the dtype and shape its layout entry declares.
    /// </summary>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, TensorDescription>> layout, Func<string, Tensor> produce,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        path = Path.GetFullPath(path);
        var entries = new List<(string Name, TensorDescription Description)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, description) in layout)
        {
            if (string.IsNullOrEmpty(name)) throw new SafetensorsException(path, "a tensor has an empty name.");
            if (name == "__metadata__") throw new SafetensorsException(path, name, "is reserved for the header's metadata.");
            if (!names.Add(name)) throw new SafetensorsException(path, name, "is given twice.");
            _ = SafetensorsDType.ElementSize(description.DType);
            entries.Add((name, description));
        }
        entries.Sort((a, b) =>
        {
            int bySize = SafetensorsDType.ElementSize(b.Description.DType).CompareTo(SafetensorsDType.ElementSize(a.Description.DType));
            return bySize != 0 ? bySize : string.CompareOrdinal(a.Name, b.Name);
        });

        byte[] header = BuildHeader(entries, metadata);
        string directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.partial");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> prefix = stackalloc byte[8];
                BitConverter.TryWriteBytes(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                foreach (var (name, description) in entries)
                {
                    using var scope = NewDisposeScope();
                    var tensor = produce(name);
                    if (tensor.dtype != description.DType || !tensor.shape.SequenceEqual(description.Shape))
                        throw new SafetensorsException(path, name,
                            $"was declared {description.DType} [{string.Join(", ", description.Shape)}] but produced as {tensor.dtype} [{string.Join(", ", tensor.shape)}].");
                    var cpu = tensor.detach().cpu().contiguous();
                    TensorBytes.WriteTo(cpu, stream);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    static byte[] BuildHeader(List<(string Name, TensorDescription Description)> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(m => m.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, description) in entries)
            {
                long bytes = ByteCount(description);
                json.WriteStartObject(name);
                json.WriteString("dtype", SafetensorsDType.NameOf(description.DType));
                json.WriteStartArray("shape");
                foreach (long dimension in description.Shape) json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    /// <summary>Stored size of a described tensor in bytes.</summary>
    public static long ByteCount(TensorDescription description) =>
        description.Shape.Aggregate(1L, (product, dimension) => product * dimension) * SafetensorsDType.ElementSize(description.DType);

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
