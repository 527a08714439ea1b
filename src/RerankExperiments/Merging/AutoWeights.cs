namespace RerankExperiments.Merging;

/// <summary>Weights from data: each model's mean loss on the examples and wᵢ = softmax(−Lᵢ / τ), in model order.</summary>
public sealed record AutoWeights(IReadOnlyList<double> Weights, IReadOnlyList<double> Losses, double Temperature);
