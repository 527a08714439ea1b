using static TorchSharp.torch;

namespace RerankExperiments.Torch.Safetensors;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">The tensor's name, e.g. <c>encoder.layer.0.attention.self.query.weight</c>.</param>
/// <param name="DType">The stored element type.</param>
/// <param name="Shape">The shape; empty for a scalar.</param>
/// <param name="Begin">First byte, relative to the start of the data section.</param>
/// <param name="End">One past the last byte, relative to the start of the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, ScalarType DType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    /// <summary>Stored size in bytes.</summary>
    public long ByteCount => End - Begin;
}
