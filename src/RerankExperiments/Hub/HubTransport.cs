using System.Net;
using System.Net.Http.Headers;

namespace RerankExperiments.Hub;

/// <summary>
/// HTTP for the Hub: authentication, redirects and retries. Redirects are followed here rather than by the
/// handler, for two reasons: the token may only travel to the endpoint's own origin (never to the CDN an LFS
/// file redirects to), and the metadata request must stop at that CDN redirect, whose headers carry the LFS hash.
/// </summary>
internal sealed class HubTransport : IDisposable
{
    private const int MaxRedirects = 10;

    private readonly HttpClient _http;
    private readonly HubSettings _settings;
    private readonly HubClientOptions _options;
    private readonly Uri _endpoint;

    public HubTransport(HubSettings settings, HubClientOptions options)
    {
        _settings = settings;
        _options = options;
        _endpoint = new Uri(settings.Endpoint.TrimEnd('/') + "/", UriKind.Absolute);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.RequestTimeout,
        };
        // Timeouts are per phase (headers, then each body chunk); a whole-request timeout would cut large downloads.
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public Uri Endpoint => _endpoint;

    public bool HasToken => _settings.Token is not null;

    public HubClientOptions Options => _options;

    /// <summary>
    /// Sends a request and follows redirects: relative ones always (the Hub uses them for renamed repos), absolute
    /// ones only when <paramref name="followAbsoluteRedirects"/> is set. The last response is returned undisposed.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, long rangeFrom, bool followAbsoluteRedirects, CancellationToken cancellationToken)
    {
        var current = uri;
        for (var hop = 0; ; hop++)
        {
            var response = await SendOnceAsync(method, current, rangeFrom, cancellationToken).ConfigureAwait(false);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location)
                return response;
            // On Unix "/cdn/x" parses as an absolute file: URI, so only http(s) counts as absolute here.
            var absolute = location.IsAbsoluteUri && location.Scheme is "http" or "https";
            if (absolute && !followAbsoluteRedirects)
                return response;
            response.Dispose();
            if (hop >= MaxRedirects)
                throw new HubException(HubErrorKind.Protocol, $"more than {MaxRedirects} redirects starting at {uri}");
            current = absolute ? location : new Uri(current, location.OriginalString);
        }
    }

    /// <summary>Runs an attempt, retrying with exponential backoff on transient failures; the final failure names the URL.</summary>
    public async Task<T> RetryAsync<T>(Uri url, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var delay = _options.RetryDelay;
        for (var number = 1; ; number++)
        {
            Exception failure;
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                failure = e;
            }
            // Still failing after the retries, an overloaded Hub is treated like an unreachable one (callers may use the cache).
            if (number >= _options.MaxAttempts)
                throw new HubException(HubErrorKind.Network, $"request to {url} failed after {number} attempt(s): {Describe(failure)}", failure);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
        }
    }

    public static bool IsTransientStatus(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError
            or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendOnceAsync(HttpMethod method, Uri uri, long rangeFrom, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("User-Agent", _settings.UserAgent);
        // Identity encoding: Content-Length must be the file's size, and bytes on disk must hash to the ETag.
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "identity");
        if (_settings.Token is { } token && IsSameOrigin(uri, _endpoint))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (rangeFrom > 0)
            request.Headers.Range = new RangeHeaderValue(rangeFrom, null);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool IsSameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    // A cancellation the caller did not ask for is one of our timeouts, hence transient.
    private static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        e is TransientHubFailure or HttpRequestException or IOException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static string Describe(Exception e) => e is OperationCanceledException ? "timed out" : e.Message;
}
