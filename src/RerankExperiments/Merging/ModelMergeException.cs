namespace RerankExperiments.Merging;

/// <summary>
/// Two checkpoints that cannot be merged: a tensor one has and the other lacks, or a tensor whose shape, dtype or
/// (for integer and bool buffers) values differ. The message names the tensor and both models.
/// </summary>
public sealed class ModelMergeException(string tensor, string firstModel, string otherModel, string problem)
    : Exception($"cannot merge: tensor '{tensor}' {problem} (first model: {firstModel}; other model: {otherModel}).")
{
    /// <summary>The first tensor (in name order) that does not match.</summary>
    public string TensorName { get; } = tensor;

    /// <summary>The model every other is compared with (the first one given).</summary>
    public string FirstModel { get; } = firstModel;

    /// <summary>The model that differs from <see cref="FirstModel"/>.</summary>
    public string OtherModel { get; } = otherModel;
}
