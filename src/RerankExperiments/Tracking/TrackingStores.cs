using Serilog;

namespace RerankExperiments.Tracking;

/// <summary>Opens the store a tracking URI names, as MLflow reads MLFLOW_TRACKING_URI.</summary>
public static class TrackingStores
{
    /// <summary>MLflow's variable for the tracking URI, used when no URI is given.</summary>
    public const string TrackingUriVariable = "MLFLOW_TRACKING_URI";

    /// <summary>The local store used when neither a URI nor MLFLOW_TRACKING_URI is given.</summary>
    public const string DefaultLocalStore = "runs";

    /// <summary>Where runs go while a tracking server is unreachable (beside runs/, not inside it: MLflow would take it for an experiment).</summary>
    public const string DefaultOfflineStore = ".mlflow-offline";

    /// <summary>
    /// The store for <paramref name="uri"/>: null → MLFLOW_TRACKING_URI, else <c>runs</c>; a path or a
    /// <c>file://</c> URI → <see cref="FileTrackingStore"/>; <c>http(s)://</c> → <see cref="FallbackTrackingStore"/>
    /// over a <see cref="RestTrackingStore"/> (credentials and retry settings from MLflow's variables) and a local
    /// offline buffer.
    /// </summary>
    /// <param name="uri">The tracking URI or path (the experiment's <c>tracking.uri</c>), or null.</param>
    /// <param name="environment">Environment lookup, e.g. <c>Environment.GetEnvironmentVariable</c>; tests pass a dictionary.</param>
    /// <param name="baseDirectory">Relative paths (the store, the offline buffer) start here; the current directory when null.</param>
    /// <param name="offlineStore">The offline buffer for server URIs; <see cref="DefaultOfflineStore"/> when null.</param>
    /// <param name="restOptions">Retries and timeouts; from MLflow's MLFLOW_HTTP_REQUEST_* variables when null.</param>
    /// <param name="logger">Warnings (retries, going offline, skipped NaN values).</param>
    public static ITrackingStore Open(string? uri, Func<string, string?> environment, string? baseDirectory = null,
        string? offlineStore = null, RestTrackingOptions? restOptions = null, ILogger? logger = null)
    {
        var root = baseDirectory ?? Directory.GetCurrentDirectory();
        var target = !string.IsNullOrWhiteSpace(uri) ? uri : environment(TrackingUriVariable);
        if (string.IsNullOrWhiteSpace(target)) target = DefaultLocalStore;

        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            var options = (restOptions ?? RestTrackingOptions.FromEnvironment(environment)) with { Logger = logger ?? restOptions?.Logger };
            var remote = new RestTrackingStore(target, MlflowCredentials.FromEnvironment(environment), options);
            var local = new FileTrackingStore(Path.Combine(root, offlineStore ?? DefaultOfflineStore));
            return new FallbackTrackingStore(remote, local, logger);
        }
        if (target.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            return new FileTrackingStore(new Uri(target).LocalPath);
        if (Uri.TryCreate(target, UriKind.Absolute, out var other) && other.Scheme.Length > 1 && !Path.IsPathRooted(target))
            throw new ArgumentException($"tracking URI scheme '{other.Scheme}' is not supported: use a folder, file://, or an MLflow server's http(s):// URL (for sqlite:// or databricks, run an MLflow server in front)", nameof(uri));
        return new FileTrackingStore(Path.Combine(root, target));
    }
}
