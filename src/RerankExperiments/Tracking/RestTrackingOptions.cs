using System.Globalization;
using Serilog;

namespace RerankExperiments.Tracking;

/// <summary>
/// HTTP behaviour of <see cref="RestTrackingStore"/>. Defaults follow MLflow 3.x's client: 7 retries with
/// exponential backoff from 2 s (2, 4, 8 … capped at 120 s, with jitter), a 120 s timeout per request.
/// Tests shrink <see cref="BaseDelay"/> to milliseconds.
/// </summary>
public sealed record RestTrackingOptions
{
    /// <summary>Retries after the first attempt (MLFLOW_HTTP_REQUEST_MAX_RETRIES).</summary>
    public int MaxRetries { get; init; } = 7;

    /// <summary>The first backoff delay; each retry doubles it (MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR, seconds).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>No backoff or Retry-After wait is longer than this.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Per attempt of an API call (MLFLOW_HTTP_REQUEST_TIMEOUT, seconds).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Per attempt of one artifact upload: models take longer than API calls.</summary>
    public TimeSpan ArtifactTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Skip TLS certificate checks (MLFLOW_TRACKING_INSECURE_TLS=true); for test servers only.</summary>
    public bool InsecureTls { get; init; }

    /// <summary>Where warnings go (skipped NaN metrics, truncated values, retries); none when null.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>The defaults, overridden by MLflow's MLFLOW_HTTP_REQUEST_* and MLFLOW_TRACKING_INSECURE_TLS variables.</summary>
    public static RestTrackingOptions FromEnvironment(Func<string, string?> environment)
    {
        var options = new RestTrackingOptions();
        if (int.TryParse(environment("MLFLOW_HTTP_REQUEST_MAX_RETRIES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var retries) && retries >= 0)
            options = options with { MaxRetries = retries };
        if (double.TryParse(environment("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"), NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) && factor >= 0)
            options = options with { BaseDelay = TimeSpan.FromSeconds(factor) };
        if (double.TryParse(environment("MLFLOW_HTTP_REQUEST_TIMEOUT"), NumberStyles.Float, CultureInfo.InvariantCulture, out var timeout) && timeout > 0)
            options = options with { RequestTimeout = TimeSpan.FromSeconds(timeout) };
        if (string.Equals(environment("MLFLOW_TRACKING_INSECURE_TLS"), "true", StringComparison.OrdinalIgnoreCase))
            options = options with { InsecureTls = true };
        return options;
    }
}
