using RerankExperiments.Hub;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// Turns a --model argument into a local model folder: a directory as it is, a Hugging Face repo id
/// (org/name[@revision]) through the Hub cache or a download (HF_TOKEN, HF_HOME, HF_HUB_OFFLINE honoured): a
/// cross-encoder with <see cref="Resolve"/>, a dense-mining encoder with <see cref="ResolveEmbedding"/>.
/// </summary>
public static class ModelPaths
{
    public static string Resolve(string nameOrPath)
    {
        try
        {
            return ModelReference.Resolve(nameOrPath, HubSettings.FromEnvironment());
        }
        catch (HubException error)
        {
            throw new InputException(error.Message);
        }
    }

    /// <summary>An embedding model for dense mining (sentence-transformers layout; see <see cref="ModelReference.ResolveEmbedding"/>).</summary>
    public static string ResolveEmbedding(string nameOrPath)
    {
        try
        {
            return ModelReference.ResolveEmbedding(nameOrPath, HubSettings.FromEnvironment());
        }
        catch (HubException error)
        {
            throw new InputException(error.Message);
        }
    }
}
