namespace RerankExperiments.Training;

/// <summary>
/// Recognises an allocation failure of torch's allocators among the exceptions TorchSharp raises (it wraps every
/// native error as one exception type, so the message is all there is): CUDA's caching allocator ("CUDA out of
/// memory"), cuBLAS / cuDNN workspace failures and the CPU allocator ("DefaultCPUAllocator: not enough memory").
/// </summary>
internal static class OutOfMemory
{
    static readonly string[] Signatures =
    [
        "out of memory",
        "not enough memory",
        "can't allocate memory",
        "CUBLAS_STATUS_ALLOC_FAILED",
        "CUDNN_STATUS_ALLOC_FAILED",
    ];

    /// <summary>Whether <paramref name="error"/> (or an inner exception) is a torch allocation failure.</summary>
    public static bool Is(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
            if (e is not TrainingOutOfMemoryException && Signatures.Any(s => e.Message.Contains(s, StringComparison.OrdinalIgnoreCase)))
                return true;
        return false;
    }

    /// <summary>The first line of torch's message (the rest is a C++ stack).</summary>
    public static string Summary(Exception error)
    {
        string message = error.Message.Trim();
        int end = message.IndexOf('\n');
        return end < 0 ? message : message[..end].TrimEnd();
    }
}
