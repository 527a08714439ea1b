using System.Globalization;
using RerankExperiments.Torch.Precision;

namespace RerankExperiments.Training.Storage;

/// <summary>
/// The disk space a training run needs in its output folder, estimated before it starts. A checkpoint holds the
/// model, AdamW's exp_avg and exp_avg_sq (fp32) and, in bf16/fp16, the fp32 master weights. With
/// save_total_limit L, L + 1 checkpoints exist at once (the new one is written before the oldest goes); without a
/// limit every save stays: all of them when max_steps fixes the count, else at least one (the estimate says "or
/// more"). <paramref name="ModelCopies"/> counts the other model folders the run writes (final, merged, a model
/// built from scratch).
/// </summary>
public sealed record OutputSpaceEstimate(ModelWeights Weights, bool MixedPrecision, int CheckpointsAtOnce, bool CheckpointCountIsMinimum, int ModelCopies)
{
    /// <summary>One checkpoint: the model folder, the optimizer state, and master weights in mixed precision.</summary>
    public long CheckpointBytes => Weights.StoredBytes + 2 * Weights.Float32Bytes + (MixedPrecision ? Weights.Float32Bytes : 0);

    public long TotalBytes => CheckpointBytes * CheckpointsAtOnce + Weights.StoredBytes * ModelCopies;

    /// <summary>The estimate for training with <paramref name="options"/>, plus <paramref name="modelCopies"/> saved models.</summary>
    public static OutputSpaceEstimate For(ModelWeights weights, TrainingOptions options, int modelCopies)
    {
        var (count, minimum) = options.SaveTotalLimit is { } limit ? (limit + 1, false)
            : options.MaxSteps > 0 && options.SaveSteps > 0 ? ((int)Math.Min(int.MaxValue, (options.MaxSteps + options.SaveSteps - 1) / options.SaveSteps), true)
            : (1, true);
        return new OutputSpaceEstimate(weights, options.Precision != PrecisionMode.Float32, Math.Max(1, count), minimum, modelCopies);
    }

    /// <summary>How the total was reached, for error messages.</summary>
    public string Describe() =>
        $"{Size(TotalBytes)}: {CheckpointsAtOnce}{(CheckpointCountIsMinimum ? " or more" : "")} checkpoint(s) at once of {Size(CheckpointBytes)} each "
        + $"(model {Size(Weights.StoredBytes)} + AdamW exp_avg and exp_avg_sq {Size(2 * Weights.Float32Bytes)}"
        + (MixedPrecision ? $" + fp32 master weights {Size(Weights.Float32Bytes)}" : "") + ")"
        + (ModelCopies > 0 ? $" + {ModelCopies} saved model folder(s) of {Size(Weights.StoredBytes)}" : "");

    /// <summary>Bytes in binary units with the exact count, e.g. "1.5 MiB (1572864 bytes)".</summary>
    public static string Size(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return unit == 0 ? $"{bytes} bytes" : $"{value.ToString("0.#", CultureInfo.InvariantCulture)} {units[unit]} ({bytes.ToString(CultureInfo.InvariantCulture)} bytes)";
    }
}
