using TorchSharp;
using System.IO.MemoryMappedFiles;
using System.Text.Json;
using RerankExperiments.Torch.Tensors;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Safetensors;

/// <summary>
/// A safetensors file opened for reading: the header is parsed and validated on open, the file is memory-mapped,
/// and each tensor is copied straight from the mapped pages into a new tensor when read.
/// </summary>
/// <remarks>
/// Format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON (padded with spaces), then the data
/// section. The JSON maps tensor names to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets relative
/// to the data section) and may hold <c>"__metadata__"</c>, a string-to-string map. Validation follows the
/// reference implementation: the header is bounded, every tensor's byte count equals its shape times its element
/// size, and the tensors tile the data section exactly — no gap, no overlap, nothing past the end of the file.
/// </remarks>
public sealed class SafetensorsFile : ITensorSource, IDisposable
{
    /// <summary>The reference implementation's bound on the JSON header (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    const string MetadataKey = "__metadata__";

    readonly MemoryMappedFile _mapping;
    readonly MemoryMappedViewAccessor _view;
    readonly unsafe byte* _base;
    readonly long _dataStart;
    readonly Dictionary<string, SafetensorsTensorInfo> _tensors;
    bool _disposed;

    SafetensorsFile(string path, MemoryMappedFile mapping, MemoryMappedViewAccessor view, long dataStart,
        Dictionary<string, SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _mapping = mapping;
        _view = view;
        _dataStart = dataStart;
        _tensors = tensors;
        Metadata = metadata;
        unsafe
        {
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _base = pointer + _view.PointerOffset;
        }
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor's header entry, in file order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors => _tensors.Values.OrderBy(t => t.Begin).ToArray();

    public string Origin => Path;

    public IReadOnlyCollection<string> Names => _tensors.Keys;

    /// <summary>Opens and validates a safetensors file. Throws <see cref="SafetensorsException"/> for any fault.</summary>
    public static SafetensorsFile Open(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new SafetensorsException(path, $"cannot be opened: {error.Message}", error);
        }

        try
        {
            long length = stream.Length;
            if (length < 8) throw new SafetensorsException(path, $"is {length} bytes long; a safetensors file starts with an 8-byte header length.");
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            ulong headerLength = BitConverter.ToUInt64(prefix);
            if (headerLength > MaxHeaderBytes)
                throw new SafetensorsException(path, $"declares a {headerLength}-byte header; more than the {MaxHeaderBytes}-byte limit (corrupt or not safetensors).");
            if (8 + (long)headerLength > length)
                throw new SafetensorsException(path, $"declares a {headerLength}-byte header but is only {length} bytes long (truncated?).");
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            long dataStart = 8 + (long)headerLength;
            var (tensors, metadata) = ParseHeader(path, header, length - dataStart);

            var mapping = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            var view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new SafetensorsFile(path, mapping, view, dataStart, tensors, metadata);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The header entry of one tensor.</summary>
    public SafetensorsTensorInfo Info(string name) =>
        _tensors.TryGetValue(name, out var info) ? info : throw new SafetensorsException(Path, name, "not in this file.");

    public TensorDescription Describe(string name)
    {
        var info = Info(name);
        return new TensorDescription(info.DType, (long[])info.Shape.Clone());
    }

    public Tensor Read(string name, ScalarType? dtype = null, Device? device = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var info = Info(name);
        var tensor = empty(info.Shape, info.DType);
        unsafe
        {
            TensorBytes.CopyInto(tensor, _base + _dataStart + info.Begin, info.ByteCount);
        }
        if ((dtype is null || dtype == info.DType) && (device is null || device.type == DeviceType.CPU)) return tensor;
        using (tensor)
            return tensor.to(dtype ?? info.DType, device ?? CPU);
    }

    /// <summary>Reads every tensor; the caller owns them.</summary>
    public Dictionary<string, Tensor> ReadAll(ScalarType? dtype = null, Device? device = null) =>
        _tensors.Keys.ToDictionary(name => name, name => Read(name, dtype, device));

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mapping.Dispose();
    }

    static (Dictionary<string, SafetensorsTensorInfo>, IReadOnlyDictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        int first = Array.FindIndex(header, b => b is not (byte)' ');
        if (first < 0 || header[first] != (byte)'{')
            throw new SafetensorsException(path, "header is not a JSON object (corrupt or not safetensors).");

        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw new SafetensorsException(path, "header is not valid UTF-8 (corrupt or not safetensors).");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException error)
        {
            throw new SafetensorsException(path, $"header is not valid JSON: {error.Message}", error);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new SafetensorsException(path, "header is not a JSON object.");
            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (sawMetadata) throw new SafetensorsException(path, "header has __metadata__ twice.");
                    sawMetadata = true;
                    ParseMetadata(path, property.Value, metadata);
                    continue;
                }
                if (tensors.ContainsKey(property.Name))
                    throw new SafetensorsException(path, property.Name, "appears twice in the header.");
                tensors.Add(property.Name, ParseTensor(path, property.Name, property.Value));
            }
            CheckLayout(path, tensors.Values, dataLength);
            return (tensors, metadata);
        }
    }

    static void ParseMetadata(string path, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind == JsonValueKind.Null) return;
        if (element.ValueKind != JsonValueKind.Object) throw new SafetensorsException(path, "__metadata__ is not an object of strings.");
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsException(path, $"__metadata__ entry '{entry.Name}' is not a string.");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    static SafetensorsTensorInfo ParseTensor(string path, string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new SafetensorsException(path, name, "header entry is not an object.");
        if (!element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new SafetensorsException(path, name, "header entry has no string 'dtype'.");
        string dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDType.TryParse(dtypeName, out var dtype, out int elementSize))
            throw new SafetensorsException(path, name, $"dtype '{dtypeName}' is not supported (supported: {string.Join(", ", SafetensorsDType.Names)}).");

        if (!element.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new SafetensorsException(path, name, "header entry has no 'shape' array.");
        var shape = new long[shapeElement.GetArrayLength()];
        int index = 0;
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out long size) || size < 0)
                throw new SafetensorsException(path, name, $"shape {shapeElement.GetRawText()} holds something other than non-negative integers.");
            shape[index++] = size;
        }

        if (!element.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new SafetensorsException(path, name, "header entry has no 'data_offsets' pair.");
        if (!TryGetOffset(offsets[0], out long begin) || !TryGetOffset(offsets[1], out long end) || end < begin)
            throw new SafetensorsException(path, name, $"data_offsets {offsets.GetRawText()} are not a valid [begin, end] pair.");

        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (product, dimension) => product * dimension) * elementSize);
        }
        catch (OverflowException)
        {
            throw new SafetensorsException(path, name, $"shape [{string.Join(", ", shape)}] is too large.");
        }
        if (expected != end - begin)
            throw new SafetensorsException(path, name,
                $"shape [{string.Join(", ", shape)}] of {dtypeName} needs {expected} bytes but data_offsets [{begin}, {end}] span {end - begin}.");
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    /// <summary>A non-negative integer offset; false for anything else (a string, a fraction, a negative or huge number).</summary>
    static bool TryGetOffset(JsonElement element, out long offset)
    {
        offset = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out offset) && offset >= 0;
    }

    static void CheckLayout(string path, IEnumerable<SafetensorsTensorInfo> tensors, long dataLength)
    {
        long position = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (var tensor in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (tensor.Begin < position)
                throw new SafetensorsException(path, tensor.Name, $"data_offsets [{tensor.Begin}, {tensor.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}].");
            if (tensor.Begin > position)
                throw new SafetensorsException(path, tensor.Name, $"data_offsets [{tensor.Begin}, {tensor.End}] leave a gap after byte {position} of the data section.");
            if (tensor.End > dataLength)
                throw new SafetensorsException(path, tensor.Name, $"data_offsets [{tensor.Begin}, {tensor.End}] run past the end of the data section ({dataLength} bytes; truncated?).");
            position = tensor.End;
            previous = tensor;
        }
        if (position != dataLength)
            throw new SafetensorsException(path, $"data section is {dataLength} bytes but its tensors cover {position} (trailing or missing bytes).");
    }
}
