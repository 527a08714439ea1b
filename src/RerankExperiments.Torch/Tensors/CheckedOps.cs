using static TorchSharp.torch;

namespace RerankExperiments.Torch.Tensors;

/// <summary>
/// TorchSharp operations that need a guard. TorchSharp 0.107's native <c>THSTensor_matmul</c> lacks the
/// try/catch its other entry points have, so a shape error inside libtorch's matmul terminates the process
/// instead of raising an exception. The project calls <see cref="MatMul"/> instead; BannedSymbols.txt makes the
/// raw call a build error.
/// </summary>
public static class CheckedOps
{
    /// <summary>torch.matmul with its shape rules checked first, so a mismatch is an exception naming both shapes.</summary>
    public static Tensor MatMul(Tensor left, Tensor right)
    {
        long[] a = left.shape, b = right.shape;
        if (a.Length == 0 || b.Length == 0)
            throw new ArgumentException($"matmul needs both arguments at least 1-D; got [{Show(a)}] and [{Show(b)}].");
        long inner = a[^1];
        long other = b.Length == 1 ? b[0] : b[^2];
        if (inner != other)
            throw new ArgumentException($"matmul shapes cannot be multiplied: [{Show(a)}] and [{Show(b)}] ({inner} ≠ {other}).");
        if (a.Length > 2 || b.Length > 2)
        {
            var batchA = a.Length > 2 ? a[..^2] : [];
            var batchB = b.Length > 2 ? b[..^2] : [];
            for (int i = 1; i <= Math.Min(batchA.Length, batchB.Length); i++)
            {
                long x = batchA[^i], y = batchB[^i];
                if (x != y && x != 1 && y != 1)
                    throw new ArgumentException($"matmul batch dimensions of [{Show(a)}] and [{Show(b)}] do not broadcast ({x} vs {y}).");
            }
        }
        if (left.device.type != right.device.type || left.device.index != right.device.index)
            throw new ArgumentException($"matmul arguments are on {left.device} and {right.device}.");
#pragma warning disable RS0030 // the one place the raw call is allowed: its inputs are checked above
        return left.matmul(right);
#pragma warning restore RS0030
    }

    static string Show(long[] shape) => string.Join(", ", shape);
}
