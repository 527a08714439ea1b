namespace RerankExperiments.Tokenization;

/// <summary>
/// Padding of a batch: to its longest encoding (<see cref="Length"/> null) or to a fixed length; optionally up to a
/// multiple (8 helps tensor cores). Pads carry attention 0, the pad id, and type id 0.
/// </summary>
public sealed record PaddingOptions(int? Length = null, int? PadToMultipleOf = null, bool Left = false);
