using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Tensors;

/// <summary>
/// Raw byte copies between CPU tensors and memory or streams, in chunks, so tensors over 2 GiB (a span's limit)
/// copy too. Tensors are little-endian in memory on every platform TorchSharp ships for, as safetensors is.
/// </summary>
public static class TensorBytes
{
    const long ChunkBytes = 1L << 30;

    /// <summary>Copies <paramref name="count"/> bytes at <paramref name="source"/> into a contiguous CPU tensor.</summary>
    public static unsafe void CopyInto(Tensor destination, byte* source, long count)
    {
        Check(destination, count);
        if (count == 0) return;
        using var flat = destination.view(-1);
        long elementSize = destination.ElementSize;
        long elementsPerChunk = ChunkBytes / elementSize;
        for (long first = 0; first < flat.numel(); first += elementsPerChunk)
        {
            long elements = Math.Min(elementsPerChunk, flat.numel() - first);
            using var part = flat.narrow(0, first, elements);
            new ReadOnlySpan<byte>(source + first * elementSize, checked((int)(elements * elementSize))).CopyTo(part.bytes);
        }
    }

    /// <summary>Writes the bytes of a contiguous CPU tensor to a stream.</summary>
    public static void WriteTo(Tensor source, Stream stream)
    {
        Check(source, source.numel() * source.ElementSize);
        if (source.numel() == 0) return;
        using var flat = source.view(-1);
        long elementsPerChunk = ChunkBytes / source.ElementSize;
        for (long first = 0; first < flat.numel(); first += elementsPerChunk)
        {
            using var part = flat.narrow(0, first, Math.Min(elementsPerChunk, flat.numel() - first));
            stream.Write(part.bytes);
        }
    }

    /// <summary>
    /// The address of a contiguous CPU tensor's first element, for kernels written in C#. Tensor memory is native and
    /// never moves, so the address stays valid, on any thread, for as long as the tensor lives; it is read through a
    /// one-element view because a span (what TorchSharp hands out) cannot cover more than 2 GiB.
    /// </summary>
    public static unsafe nint Address(Tensor tensor)
    {
        if (tensor.device_type != DeviceType.CPU) throw new ArgumentException("Only a CPU tensor has an address in this process.");
        if (!tensor.is_contiguous()) throw new ArgumentException("A kernel over raw memory needs a contiguous tensor.");
        if (tensor.numel() == 0) throw new ArgumentException("An empty tensor has no first element.");
        using var flat = tensor.view(-1);
        using var first = flat.narrow(0, 0, 1);
        fixed (byte* start = first.bytes) return (nint)start;
    }

    static void Check(Tensor tensor, long count)
    {
        if (tensor.device_type != DeviceType.CPU) throw new ArgumentException("Byte copies need a CPU tensor.");
        if (!tensor.is_contiguous()) throw new ArgumentException("Byte copies need a contiguous tensor.");
        if (tensor.numel() * tensor.ElementSize != count)
            throw new ArgumentException($"Tensor of {tensor.numel()} × {tensor.ElementSize} bytes cannot take {count} bytes.");
    }
}
