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
        path = Path.GetFullPath(path);
        var entries = new List<(string Name, Tensor Tensor)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name)) throw new SafetensorsException(path, "a tensor has an empty name.");
            if (name == "__metadata__") throw new SafetensorsException(path, name, "is reserved for the header's metadata.");
            if (!names.Add(name)) throw new SafetensorsException(path, name, "is given twice.");
            _ = SafetensorsDType.ElementSize(tensor.dtype);
            entries.Add((name, tensor));
        }
        entries.Sort((a, b) =>
        {
            int bySize = SafetensorsDType.ElementSize(b.Tensor.dtype).CompareTo(SafetensorsDType.ElementSize(a.Tensor.dtype));
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
                foreach (var (_, tensor) in entries)
                {
                    using var scope = NewDisposeScope();
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

    static byte[] BuildHeader(List<(string Name, Tensor Tensor)> entries, IReadOnlyDictionary<string, string>? metadata)
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
            foreach (var (name, tensor) in entries)
            {
                long bytes = tensor.numel() * SafetensorsDType.ElementSize(tensor.dtype);
                json.WriteStartObject(name);
                json.WriteString("dtype", SafetensorsDType.NameOf(tensor.dtype));
                json.WriteStartArray("shape");
                foreach (long dimension in tensor.shape) json.WriteNumberValue(dimension);
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

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
