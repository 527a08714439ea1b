namespace RerankExperiments.Losses;

/// <summary>
/// The function a loss applies to each raw logit s before its own math (sentence-transformers' activation_fn):
/// Identity a(s) = s, Sigmoid a(s) = σ(s) = 1/(1 + e^(−s)), Tanh a(s) = tanh(s).
/// </summary>
public enum LossActivation
{
    Identity,
    Sigmoid,
    Tanh,
}
