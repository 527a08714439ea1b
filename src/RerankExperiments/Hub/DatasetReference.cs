using RerankExperiments.Data;

namespace RerankExperiments.Hub;

/// <summary>
/// A dataset as users write it: a local file (any supported extension), or a Hugging Face Hub dataset written
/// <c>hf:org/name[:split]</c> (split defaults to train), fetched through the Hub cache as load_dataset names it.
/// </summary>
public static class DatasetReference
{
    const string HubPrefix = "hf:";

    public static bool IsHub(string reference) => reference.StartsWith(HubPrefix, StringComparison.Ordinal);

    /// <summary>Reads the examples; Hub failures throw <see cref="HubException"/>, bad rows <see cref="DataFormatException"/>.</summary>
    public static DatasetLoadResult Load(string reference, DatasetReadOptions options, HubSettings settings)
    {
        if (!IsHub(reference)) return RankingDatasets.Load(reference, options);
        string spec = reference[HubPrefix.Length..];
        int colon = spec.LastIndexOf(':');
        string repo = colon > 0 ? spec[..colon] : spec;
        string split = colon > 0 ? spec[(colon + 1)..] : "train";
        using var client = new HubClient(settings);
        return HubDatasets.LoadAsync(client, repo, split, options).GetAwaiter().GetResult();
    }
}
