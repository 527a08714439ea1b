namespace RerankExperiments.Hub;

/// <summary>
/// A model as users write it: a local directory, or a Hugging Face repo id with an optional revision
/// (<c>org/name@revision</c>), resolved to a local folder through the Hub cache or a download.
/// </summary>
public static class ModelReference
{
    /// <summary>The local folder; throws <see cref="HubException"/> when the Hub cannot provide it.</summary>
    public static string Resolve(string nameOrPath, HubSettings settings)
    {
        string? revision = null;
        int at = nameOrPath.LastIndexOf('@');
        if (at > 0 && !Directory.Exists(nameOrPath))
        {
            revision = nameOrPath[(at + 1)..];
            nameOrPath = nameOrPath[..at];
        }
        return ModelLocator.ResolveAsync(nameOrPath, revision, settings).GetAwaiter().GetResult();
    }
}
