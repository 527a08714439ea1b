using static TorchSharp.torch;

namespace RerankExperiments.Torch.Precision;

/// <summary>The dtype a model computes in. Master weights and optimizer state stay fp32 in every mode.</summary>
public enum PrecisionMode
{
    /// <summary>fp32 compute: the model's parameters are the master weights.</summary>
    Float32,
    /// <summary>bf16 compute with fp32 master weights: fp32's range, so no loss scaling.</summary>
    BFloat16,
    /// <summary>fp16 compute with fp32 master weights and dynamic loss scaling against gradient underflow.</summary>
    Float16,
}

/// <summary>Conversions of <see cref="PrecisionMode"/>.</summary>
public static class PrecisionModes
{
    /// <summary>The compute dtype of a mode.</summary>
    public static ScalarType ComputeType(this PrecisionMode mode) => mode switch
    {
        PrecisionMode.Float32 => ScalarType.Float32,
        PrecisionMode.BFloat16 => ScalarType.BFloat16,
        PrecisionMode.Float16 => ScalarType.Float16,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>Parses fp32/float32, bf16/bfloat16, fp16/float16 (as experiment files write them).</summary>
    public static PrecisionMode Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" or "f32" => PrecisionMode.Float32,
        "bf16" or "bfloat16" => PrecisionMode.BFloat16,
        "fp16" or "float16" or "f16" or "half" => PrecisionMode.Float16,
        _ => throw new FormatException($"Unknown precision '{text}': use fp32, bf16 or fp16."),
    };
}
