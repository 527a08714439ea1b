namespace RerankExperiments.Hub;

/// <summary>A failure worth retrying (5xx, 429, a refused resume); thrown inside an attempt, never out of the client.</summary>
internal sealed class TransientHubFailure(string message, Exception? inner = null) : Exception(message, inner);
