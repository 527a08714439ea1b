namespace RerankExperiments.Hub;

/// <summary>Why a Hub operation failed, so callers can react (skip an optional file, ask for a token) without parsing messages.</summary>
public enum HubErrorKind
{
    /// <summary>Offline (or the Hub unreachable) and the file is not in the cache.</summary>
    NotCached,

    /// <summary>HTTP 401/403: gated, private, or (unauthenticated) nonexistent repo.</summary>
    Unauthorized,

    /// <summary>The repo or the revision does not exist.</summary>
    RepositoryNotFound,

    /// <summary>The repo and revision exist but hold no such file.</summary>
    EntryNotFound,

    /// <summary>The endpoint could not be reached, or kept failing, after the retries.</summary>
    Network,

    /// <summary>Downloaded content does not match its announced size or SHA-256.</summary>
    Integrity,

    /// <summary>Any other unexpected answer from the server.</summary>
    Protocol,
}
