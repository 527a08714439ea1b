using System.Net.Http.Headers;
using System.Text;

namespace RerankExperiments.Tracking;

/// <summary>
/// How the REST client authenticates, read from MLflow's environment variables: MLFLOW_TRACKING_USERNAME and
/// MLFLOW_TRACKING_PASSWORD give HTTP Basic; MLFLOW_TRACKING_TOKEN gives a Bearer token. With all three set,
/// Basic wins, as in MLflow's own client. A class rather than a record so no generated ToString prints a secret.
/// </summary>
public sealed class MlflowCredentials
{
    public const string UsernameVariable = "MLFLOW_TRACKING_USERNAME";
    public const string PasswordVariable = "MLFLOW_TRACKING_PASSWORD";
    public const string TokenVariable = "MLFLOW_TRACKING_TOKEN";

    readonly string? _username;
    readonly string? _password;
    readonly string? _token;

    public MlflowCredentials(string? username = null, string? password = null, string? token = null)
    {
        _username = NullIfEmpty(username);
        _password = NullIfEmpty(password);
        _token = NullIfEmpty(token);
    }

    /// <summary>No authentication.</summary>
    public static MlflowCredentials None { get; } = new();

    /// <summary>Credentials from MLflow's variables, looked up through <paramref name="environment"/>.</summary>
    public static MlflowCredentials FromEnvironment(Func<string, string?> environment) =>
        new(environment(UsernameVariable), environment(PasswordVariable), environment(TokenVariable));

    /// <summary>"Basic", "Bearer" or "none": what is safe to say about the credentials.</summary>
    public string Scheme => HasBasic ? "Basic" : _token is not null ? "Bearer" : "none";

    bool HasBasic => _username is not null && _password is not null;

    /// <summary>The Authorization header value, or null without credentials.</summary>
    internal AuthenticationHeaderValue? AuthorizationHeader() =>
        HasBasic ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(_username + ":" + _password)))
        : _token is not null ? new AuthenticationHeaderValue("Bearer", _token)
        : null;

    public override string ToString() => $"MlflowCredentials({Scheme})";

    static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
