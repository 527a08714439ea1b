namespace RerankExperiments.Hub;

/// <summary>
/// Turns what a user typed for a model into a folder: an existing directory is used as it is; otherwise a Hub repo id
/// ("org/name" or "name") is fetched into the cache (or found there when offline) and its snapshot folder returned.
/// </summary>
public static class ModelLocator
{
    public static async Task<string> ResolveAsync(string nameOrPath, string? revision, HubSettings settings, CancellationToken cancellationToken = default)
    {
        using var client = new HubClient(settings);
        return await ResolveAsync(nameOrPath, revision, client, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<string> ResolveAsync(string nameOrPath, string? revision, HubClient client, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrPath);
        ArgumentNullException.ThrowIfNull(client);
        if (Directory.Exists(nameOrPath))
            return Path.GetFullPath(nameOrPath);
        if (File.Exists(nameOrPath))
            throw new ArgumentException($"'{nameOrPath}' is a file; a model is a directory holding config.json and the weights", nameof(nameOrPath));
        if (!HubNames.IsRepoId(nameOrPath))
            throw new ArgumentException($"'{nameOrPath}' is neither an existing directory nor a Hugging Face repo id (\"org/name\")", nameof(nameOrPath));
        try
        {
            return await client.DownloadModelAsync(nameOrPath, revision ?? "main", cancellationToken).ConfigureAwait(false);
        }
        catch (HubException e)
        {
            // "models/foo" may have been meant as a local path; say that it was not found as one either.
            throw new HubException(e.Kind, $"'{nameOrPath}' is not a local directory, and as a Hub repo: {e.Message}", e);
        }
    }
}
