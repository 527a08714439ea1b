namespace RerankExperiments.Hub;

/// <summary>A Hub repository: its id ("name" or "org/name") and type, checked once so every path and URL built from it is safe.</summary>
public sealed record HubRepo
{
    public HubRepo(string id, RepoType type = RepoType.Model)
    {
        if (!HubNames.IsRepoId(id))
            throw new ArgumentException($"'{id}' is not a Hub repo id (\"name\" or \"org/name\" of letters, digits, '_', '-', '.')", nameof(id));
        Id = id;
        Type = type;
    }

    public string Id { get; }

    public RepoType Type { get; }

    /// <summary>The cache folder: "models--org--name" (case kept), "datasets--…" for datasets.</summary>
    public string FolderName => $"{TypePlural}--{Id.Replace("/", "--", StringComparison.Ordinal)}";

    /// <summary>The repo part of a resolve URL: models sit at the root, datasets under "datasets/".</summary>
    internal string UrlPath => Type == RepoType.Dataset ? $"datasets/{Id}" : Id;

    internal string TypePlural => Type == RepoType.Dataset ? "datasets" : "models";

    public override string ToString() => Type == RepoType.Dataset ? $"dataset {Id}" : Id;
}
