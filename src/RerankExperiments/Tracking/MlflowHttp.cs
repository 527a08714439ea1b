using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;

namespace RerankExperiments.Tracking;

/// <summary>
/// HTTP to an MLflow tracking server: JSON in and out, authentication, retries (Polly) on the statuses and
/// failures MLflow's own client retries, honouring Retry-After, and MLflow error bodies turned into
/// <see cref="TrackingException"/>. Credentials travel only in the Authorization header, never in a message.
/// </summary>
internal sealed class MlflowHttp : IDisposable
{
    /// <summary>What MLflow's client retries (mlflow/utils/request_utils.py).</summary>
    static readonly FrozenSet<int> RetryableStatuses = new[] { 408, 429, 500, 502, 503, 504 }.ToFrozenSet();

    static readonly MediaTypeHeaderValue Json = new("application/json");

    readonly HttpClient _http;
    readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    readonly MlflowCredentials _credentials;
    readonly RestTrackingOptions _options;

    public MlflowHttp(string trackingUri, MlflowCredentials credentials, RestTrackingOptions options, HttpMessageHandler? handler)
    {
        if (!Uri.TryCreate(trackingUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException("the tracking URI must be an absolute http(s) URL", nameof(trackingUri));
        // user:password@ in the URI is a credential too: used when no variable gives one, never shown.
        if (uri.UserInfo.Length > 0 && credentials.Scheme == "none")
        {
            var parts = uri.UserInfo.Split(':', 2);
            credentials = new MlflowCredentials(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null);
        }
        BaseUri = new UriBuilder(uri) { UserName = "", Password = "", Query = "", Fragment = "", Path = uri.AbsolutePath.TrimEnd('/') + "/" }.Uri;
        _credentials = credentials;
        _options = options;
        if (handler is null)
        {
            var sockets = new SocketsHttpHandler { ConnectTimeout = options.RequestTimeout };
            if (options.InsecureTls) sockets.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
            handler = sockets;
        }
        // Timeouts are per attempt (see Send), so the client's own is off.
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _pipeline = BuildPipeline(options);
    }

    /// <summary>The tracking URI without credentials, query or fragment, ending in '/'.</summary>
    public Uri BaseUri { get; }

    /// <summary>GET <c>api/2.0/mlflow/&lt;endpoint&gt;?query</c>.</summary>
    public JsonElement Get(string endpoint, params (string Name, string? Value)[] query)
    {
        var text = string.Join('&', query.Where(q => q.Value is not null)
            .Select(q => Uri.EscapeDataString(q.Name) + "=" + Uri.EscapeDataString(q.Value!)));
        var uri = new Uri(BaseUri, "api/2.0/mlflow/" + endpoint + (text.Length > 0 ? "?" + text : ""));
        return Send(endpoint, () => new HttpRequestMessage(HttpMethod.Get, uri), _options.RequestTimeout);
    }

    /// <summary>POST a JSON body to <c>api/2.0/mlflow/&lt;endpoint&gt;</c>.</summary>
    public JsonElement Post(string endpoint, JsonObject body)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var uri = new Uri(BaseUri, "api/2.0/mlflow/" + endpoint);
        return Send(endpoint, () =>
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = Json;
            return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        }, _options.RequestTimeout);
    }

    /// <summary>PUT a file's bytes to an absolute artifact URL (mlflow-artifacts upload).</summary>
    public void PutFile(Uri uri, string endpoint, string file) =>
        Send(endpoint, () =>
        {
            var content = new StreamContent(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return new HttpRequestMessage(HttpMethod.Put, uri) { Content = content };
        }, _options.ArtifactTimeout);

    public void Dispose() => _http.Dispose();

    JsonElement Send(string endpoint, Func<HttpRequestMessage> build, TimeSpan timeout)
    {
        HttpResponseMessage response;
        try
        {
            response = _pipeline.Execute(token =>
            {
                // A fresh request per attempt: a request (and its content stream) can be sent only once.
                using var request = build();
                request.Headers.Authorization = _credentials.AuthorizationHeader();
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
                deadline.CancelAfter(timeout);
                return _http.Send(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
            });
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            throw new TrackingException("UNREACHABLE", endpoint,
                $"no answer from the tracking server at {BaseUri} after {_options.MaxRetries} retries: {e.Message}", isTransient: true, inner: e);
        }
        using (response)
        {
            var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode) throw Error(endpoint, response.StatusCode, body);
            try
            {
                using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(body) ? "{}" : body);
                return document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new TrackingException("BAD_RESPONSE", endpoint, $"the server answered {(int)response.StatusCode} with a body that is not JSON: {Shorten(body)}", (int)response.StatusCode, inner: e);
            }
        }
    }

    /// <summary>An error answer as a TrackingException: MLflow's {error_code, message}, or the HTTP status when a proxy answered.</summary>
    static TrackingException Error(string endpoint, HttpStatusCode status, string body)
    {
        string? code = null, message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (document.RootElement.TryGetProperty("error_code", out var c) && c.ValueKind == JsonValueKind.String) code = c.GetString();
                if (document.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) message = m.GetString();
            }
        }
        catch (JsonException)
        {
            // Not MLflow's JSON (a proxy, a load balancer): the HTTP status says what happened.
        }
        int number = (int)status;
        code ??= number switch
        {
            400 => "BAD_REQUEST",
            401 => "UNAUTHENTICATED",
            403 => "PERMISSION_DENIED",
            404 => "ENDPOINT_NOT_FOUND",
            409 => "RESOURCE_CONFLICT",
            429 => "REQUEST_LIMIT_EXCEEDED",
            500 => "INTERNAL_ERROR",
            503 => "TEMPORARILY_UNAVAILABLE",
            504 => "DEADLINE_EXCEEDED",
            _ => "HTTP_" + number.ToString(CultureInfo.InvariantCulture),
        };
        message ??= $"HTTP {number}: {Shorten(body)}";
        if (number == 403 && message.Contains("Host header", StringComparison.OrdinalIgnoreCase))
            message += " (start the server with --allowed-hosts including this host, or set MLFLOW_SERVER_ALLOWED_HOSTS)";
        return new TrackingException(code, endpoint, message, number, isTransient: RetryableStatuses.Contains(number));
    }

    static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    ResiliencePipeline<HttpResponseMessage> BuildPipeline(RestTrackingOptions options)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.MaxRetries <= 0) return builder.Build();
        return builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = options.MaxRetries,
            BackoffType = DelayBackoffType.Exponential,
            Delay = options.BaseDelay,
            MaxDelay = options.MaxDelay,
            UseJitter = true,
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>()
                .Handle<OperationCanceledException>()
                .Handle<IOException>()
                .HandleResult(r => RetryableStatuses.Contains((int)r.StatusCode)),
            // A server that says when to come back is believed (up to MaxDelay); otherwise the backoff applies.
            DelayGenerator = args =>
            {
                TimeSpan? wait = args.Outcome.Result?.Headers.RetryAfter switch
                {
                    { Delta: { } delta } => delta,
                    { Date: { } date } => date - DateTimeOffset.UtcNow,
                    _ => null,
                };
                if (wait is { } w) wait = w < TimeSpan.Zero ? TimeSpan.Zero : w > options.MaxDelay ? options.MaxDelay : w;
                return ValueTask.FromResult(wait);
            },
            OnRetry = args =>
            {
                var what = args.Outcome.Result is { } r ? "HTTP " + ((int)r.StatusCode).ToString(CultureInfo.InvariantCulture) : args.Outcome.Exception?.GetType().Name;
                _options.Logger?.Warning("MLflow server {Server}: {Failure}; retry {Attempt} of {Max} in {Delay}",
                    BaseUri.ToString(), what, args.AttemptNumber + 1, options.MaxRetries, args.RetryDelay);
                args.Outcome.Result?.Dispose();
                return ValueTask.CompletedTask;
            },
        }).Build();
    }
}
