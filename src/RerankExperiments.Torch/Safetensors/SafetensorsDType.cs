using static TorchSharp.torch;

namespace RerankExperiments.Torch.Safetensors;

/// <summary>The dtype names of the safetensors header and their torch scalar types.</summary>
public static class SafetensorsDType
{
    static readonly (string Name, ScalarType Type, int Size)[] Known =
    [
        ("F64", ScalarType.Float64, 8),
        ("F32", ScalarType.Float32, 4),
        ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2),
        ("I64", ScalarType.Int64, 8),
        ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2),
        ("I8", ScalarType.Int8, 1),
        ("U8", ScalarType.Byte, 1),
        ("BOOL", ScalarType.Bool, 1),
    ];

    /// <summary>Every header dtype name this reader understands.</summary>
    public static IEnumerable<string> Names => Known.Select(k => k.Name);

    /// <summary>The torch type and element size of a header dtype name; false for names torch cannot hold here.</summary>
    public static bool TryParse(string name, out ScalarType type, out int elementSize)
    {
        foreach (var known in Known)
        {
            if (known.Name != name) continue;
            type = known.Type;
            elementSize = known.Size;
            return true;
        }
        type = default;
        elementSize = 0;
        return false;
    }

    /// <summary>The header dtype name of a torch type.</summary>
    public static string NameOf(ScalarType type)
    {
        foreach (var known in Known)
            if (known.Type == type) return known.Name;
        throw new NotSupportedException($"safetensors has no dtype for torch {type}.");
    }

    /// <summary>Bytes per element of a torch type that safetensors can hold.</summary>
    public static int ElementSize(ScalarType type)
    {
        foreach (var known in Known)
            if (known.Type == type) return known.Size;
        throw new NotSupportedException($"safetensors has no dtype for torch {type}.");
    }
}
