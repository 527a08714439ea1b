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
        var (name, revision) = Split(nameOrPath);
        return ModelLocator.ResolveAsync(name, revision, settings).GetAwaiter().GetResult();
    }

    /// <summary>
    /// The local folder of an embedding model for dense mining (a sentence-transformers model such as
    /// static-retrieval-mrl-en-v1, whose files sit in module folders); throws <see cref="HubException"/> like
    /// <see cref="Resolve"/>.
    /// </summary>
    public static string ResolveEmbedding(string nameOrPath, HubSettings settings)
    {
        var (name, revision) = Split(nameOrPath);
        return ModelLocator.ResolveEmbeddingAsync(name, revision, settings).GetAwaiter().GetResult();
    }

    static (string Name, string? Revision) Split(string nameOrPath)
    {
        int at = nameOrPath.LastIndexOf('@');
        return at > 0 && !Directory.Exists(nameOrPath) ? (nameOrPath[..at], nameOrPath[(at + 1)..]) : (nameOrPath, null);
    }
}
