namespace RerankExperiments.Hub;

/// <summary>The kind of Hub repository; it picks the cache folder prefix and the URL prefix.</summary>
public enum RepoType
{
    Model,
    Dataset,
}
