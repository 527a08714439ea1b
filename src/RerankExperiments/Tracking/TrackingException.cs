namespace RerankExperiments.Tracking;

/// <summary>
/// A tracking call that failed: MLflow's error code (<c>RESOURCE_DOES_NOT_EXIST</c>, <c>INVALID_PARAMETER_VALUE</c>…,
/// or one of this client's: <c>UNREACHABLE</c>, <c>BAD_RESPONSE</c>, <c>ARTIFACT_STORE_UNREACHABLE</c>), the endpoint,
/// and the message. Never carries credentials: messages name endpoints relative to the tracking URI.
/// </summary>
public sealed class TrackingException(string errorCode, string endpoint, string message, int? httpStatus = null,
    bool isTransient = false, Exception? inner = null)
    : Exception($"{endpoint}: {errorCode}: {message}", inner)
{
    /// <summary>MLflow's error_code, or the client's own for failures without a server answer.</summary>
    public string ErrorCode { get; } = errorCode;

    /// <summary>The endpoint called, e.g. <c>runs/log-batch</c>.</summary>
    public string Endpoint { get; } = endpoint;

    /// <summary>The server's own message, without the code and endpoint prefix.</summary>
    public string ServerMessage { get; } = message;

    /// <summary>The HTTP status, when the server answered.</summary>
    public int? HttpStatus { get; } = httpStatus;

    /// <summary>
    /// True when the server could not be reached or kept failing with a retryable status after every retry: the
    /// data was not refused, so a fallback store may keep it locally and sync it later.
    /// </summary>
    public bool IsTransient { get; } = isTransient;
}
