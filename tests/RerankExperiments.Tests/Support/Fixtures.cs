namespace RerankExperiments.Tests.Support;

/// <summary>Paths of the files under fixtures/ (copied next to the test assembly).</summary>
public static class Fixtures
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "fixtures", .. parts]);

    /// <summary>The repository root: the nearest folder above the test assembly holding RerankExperiments.sln.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "RerankExperiments.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException($"No RerankExperiments.sln above {AppContext.BaseDirectory}.");
    }
}
