namespace RerankExperiments.Hub;

/// <summary>A Hub download or cache lookup that failed; the message names the file, the repo and, for HTTP failures, the URL.</summary>
public sealed class HubException(HubErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public HubErrorKind Kind { get; } = kind;
}
