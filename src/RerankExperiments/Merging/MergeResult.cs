namespace RerankExperiments.Merging;

/// <summary>What a merge did: where the model went, the models in order and the weights applied.</summary>
/// <param name="OutputDirectory">The merged Hugging Face folder (full path).</param>
/// <param name="Models">The input model folders, in the order the weights follow.</param>
/// <param name="Weights">The weights applied (after normalization, or computed from the losses).</param>
/// <param name="Losses">Each model's mean loss on the examples when the weights came from data; else null.</param>
/// <param name="Temperature">τ of the automatic weights; else null.</param>
public sealed record MergeResult(
    string OutputDirectory,
    IReadOnlyList<string> Models,
    IReadOnlyList<double> Weights,
    IReadOnlyList<double>? Losses = null,
    double? Temperature = null);
