using RerankExperiments.Data;
using RerankExperiments.Hub;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// Reads a --data argument: a local file (any supported extension), or a Hugging Face Hub dataset written
/// <c>hf:org/name[:split]</c> (split defaults to train), fetched through the Hub cache as load_dataset would name it.
/// </summary>
public static class DataPaths
{
    const string HubPrefix = "hf:";

    // settings: Hub settings; the environment's (HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_OFFLINE) when null.
    public static DatasetLoadResult Load(string argument, DatasetReadOptions options, HubSettings? settings = null)
    {
        if (!argument.StartsWith(HubPrefix, StringComparison.Ordinal)) return RankingDatasets.Load(argument, options);
        string spec = argument[HubPrefix.Length..];
        int colon = spec.LastIndexOf(':');
        string repo = colon > 0 ? spec[..colon] : spec;
        string split = colon > 0 ? spec[(colon + 1)..] : "train";
        using var client = new HubClient(settings ?? HubSettings.FromEnvironment());
        try
        {
            return HubDatasets.LoadAsync(client, repo, split, options).GetAwaiter().GetResult();
        }
        catch (HubException error)
        {
            throw new InputException($"{argument}: {error.Message}");
        }
    }
}
