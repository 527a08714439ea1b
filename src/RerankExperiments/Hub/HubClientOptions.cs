namespace RerankExperiments.Hub;

/// <summary>Retry and timeout knobs; the defaults suit the real Hub, tests shrink the delays.</summary>
public sealed record HubClientOptions
{
    /// <summary>Attempts per request (the first one included) for 5xx, 429, dropped connections and timeouts.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Delay before the first retry; it doubles each time up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed for a response's headers (huggingface_hub uses 10 s for its metadata request).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed between two chunks of a body, so a stalled CDN connection is retried instead of hanging.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often to retry taking a blob's lock that another download holds.</summary>
    public TimeSpan LockPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
