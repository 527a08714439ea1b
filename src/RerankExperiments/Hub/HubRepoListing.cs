namespace RerankExperiments.Hub;

/// <summary>The files of a repo at one commit, as repo paths with '/' separators.</summary>
/// <param name="Commit">The commit the revision resolved to.</param>
/// <param name="Files">Every file path the Hub listed, or, from the cache, every file the cached snapshot holds.</param>
/// <param name="FromCache">True when the Hub was not asked (offline) or not reachable and the cache answered.</param>
public sealed record HubRepoListing(string Commit, IReadOnlyList<string> Files, bool FromCache);
