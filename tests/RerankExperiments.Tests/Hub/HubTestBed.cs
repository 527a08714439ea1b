using RerankExperiments.Hub;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Hub;

/// <summary>A fake Hub, a fresh cache folder, and clients wired to them with millisecond retry delays.</summary>
internal sealed class HubTestBed : IDisposable
{
    private readonly TemporaryDirectory _directory = new();
    private readonly List<HubClient> _clients = [];

    public FakeHubServer Server { get; } = new();

    public string CacheRoot => Path.Combine(_directory.Path, "hub");

    public static HubClientOptions FastOptions { get; } = new()
    {
        MaxAttempts = 4,
        RetryDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryDelay = TimeSpan.FromMilliseconds(20),
        RequestTimeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(5),
        LockPollInterval = TimeSpan.FromMilliseconds(10),
    };

    public HubSettings Settings(string? token = null, bool offline = false, string? endpoint = null) =>
        new(endpoint ?? Server.Endpoint, token, CacheRoot, offline, "rerank-tests");

    public HubClient Client(string? token = null, bool offline = false, string? endpoint = null)
    {
        var client = new HubClient(Settings(token, offline, endpoint), FastOptions);
        _clients.Add(client);
        return client;
    }

    public string RepoDirectory(string repoId) => Path.Combine(CacheRoot, "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));

    /// <summary>An endpoint nothing listens on: a port the OS just handed out and took back.</summary>
    public static string DeadEndpoint()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return $"http://127.0.0.1:{port}";
    }

    public void Dispose()
    {
        foreach (var client in _clients)
            client.Dispose();
        Server.Dispose();
        _directory.Dispose();
    }
}
