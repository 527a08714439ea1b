using RerankExperiments.Hub;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// Turns a --model argument into a local model folder: a directory as it is, a Hugging Face repo id
/// (org/name[@revision]) through the Hub cache or a download (HF_TOKEN, HF_HOME, HF_HUB_OFFLINE honoured).
/// </summary>
public static class ModelPaths
{
    public static string Resolve(string nameOrPath)
    {
        string? revision = null;
        int at = nameOrPath.LastIndexOf('@');
        if (at > 0 && !Directory.Exists(nameOrPath))
        {
            revision = nameOrPath[(at + 1)..];
            nameOrPath = nameOrPath[..at];
        }
        try
        {
            return ModelLocator.ResolveAsync(nameOrPath, revision, HubSettings.FromEnvironment()).GetAwaiter().GetResult();
        }
        catch (HubException error)
        {
            throw new InputException(error.Message);
        }
    }
}
