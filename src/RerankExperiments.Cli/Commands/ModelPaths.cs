namespace RerankExperiments.Cli.Commands;

/// <summary>Turns a --model argument into a local model folder.</summary>
public static class ModelPaths
{
    public static string Resolve(string nameOrPath)
    {
        if (Directory.Exists(nameOrPath)) return nameOrPath;
        throw new InputException($"{nameOrPath}: no such model directory.");
    }
}
