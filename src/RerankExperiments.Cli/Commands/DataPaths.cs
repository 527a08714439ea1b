using RerankExperiments.Data;
using RerankExperiments.Hub;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// Reads a --data argument: a local file (any supported extension), or a Hugging Face Hub dataset written
/// <c>hf:org/name[:split]</c> (split defaults to train), fetched through the Hub cache as load_dataset would name it.
/// </summary>
public static class DataPaths
{
    // settings: Hub settings; the environment's (HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_OFFLINE) when null.
    public static DatasetLoadResult Load(string argument, DatasetReadOptions options, HubSettings? settings = null)
    {
        try
        {
            return DatasetReference.Load(argument, options, settings ?? HubSettings.FromEnvironment());
        }
        catch (HubException error)
        {
            throw new InputException($"{argument}: {error.Message}");
        }
    }
}
