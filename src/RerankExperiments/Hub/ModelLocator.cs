namespace RerankExperiments.Hub;

/// <summary>
/// Turns what a user typed for a model into a folder: an existing directory is used as it is; otherwise a Hub repo id
/// ("org/name" or "name") is fetched into the cache (or found there when offline) and its snapshot folder returned.
/// A cross-encoder is fetched file by file (<see cref="HubClient.DownloadModelAsync"/>); an embedding model for
/// mining as a sentence-transformers snapshot (<see cref="HubClient.DownloadSentenceTransformerAsync"/>), because
/// its weights may live in module folders (0_StaticEmbedding/) with no config.json at the top.
/// </summary>
public static class ModelLocator
{
    public static async Task<string> ResolveAsync(string nameOrPath, string? revision, HubSettings settings, CancellationToken cancellationToken = default)
    {
        using var client = new HubClient(settings);
        return await ResolveAsync(nameOrPath, revision, client, cancellationToken).ConfigureAwait(false);
    }

    public static Task<string> ResolveAsync(string nameOrPath, string? revision, HubClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return ResolveAsync(nameOrPath, revision, client.DownloadModelAsync, cancellationToken);
    }

    /// <summary>An embedding model (sentence-transformers layout, or a plain transformer folder) for dense mining.</summary>
    public static async Task<string> ResolveEmbeddingAsync(string nameOrPath, string? revision, HubSettings settings, CancellationToken cancellationToken = default)
    {
        using var client = new HubClient(settings);
        return await ResolveAsync(nameOrPath, revision, client.DownloadSentenceTransformerAsync, cancellationToken).ConfigureAwait(false);
    }

    static async Task<string> ResolveAsync(string nameOrPath, string? revision, Func<string, string, CancellationToken, Task<string>> download,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrPath);
        if (Directory.Exists(nameOrPath))
            return Path.GetFullPath(nameOrPath);
        if (File.Exists(nameOrPath))
            throw new ArgumentException($"'{nameOrPath}' is a file; a model is a directory holding config.json and the weights", nameof(nameOrPath));
        if (!HubNames.IsRepoId(nameOrPath))
            throw new ArgumentException($"'{nameOrPath}' is neither an existing directory nor a Hugging Face repo id (\"org/name\")", nameof(nameOrPath));
        try
        {
            return await download(nameOrPath, revision ?? "main", cancellationToken).ConfigureAwait(false);
        }
        catch (HubException e)
        {
            // "models/foo" may have been meant as a local path; say that it was not found as one either.
            throw new HubException(e.Kind, $"'{nameOrPath}' is not a local directory, and as a Hub repo: {e.Message}", e);
        }
    }
}
