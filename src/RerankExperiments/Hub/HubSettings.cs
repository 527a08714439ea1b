namespace RerankExperiments.Hub;

/// <summary>
/// Everything the Hub client reads from the environment, read once into a value so that tests (which share one
/// process) pass their own variables instead of changing the process environment.
/// </summary>
public sealed record HubSettings(string Endpoint, string? Token, string CacheRoot, bool Offline, string UserAgent)
{
    public const string DefaultEndpoint = "https://huggingface.co";

    public static string DefaultUserAgent { get; } = $"RerankExperiments/1.0; dotnet/{Environment.Version}";

    /// <summary>The values huggingface_hub treats as true for HF_HUB_OFFLINE (compared upper-cased).</summary>
    private static readonly string[] TrueValues = ["1", "ON", "YES", "TRUE"];

    public static HubSettings FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    public static HubSettings FromEnvironment(IReadOnlyDictionary<string, string> variables) =>
        FromEnvironment(name => variables.TryGetValue(name, out var value) ? value : null);

    /// <summary>
    /// The huggingface_hub rules: endpoint HF_ENDPOINT; cache HF_HUB_CACHE (legacy HUGGINGFACE_HUB_CACHE), else
    /// $HF_HOME/hub, with HF_HOME defaulting to ${XDG_CACHE_HOME:-~/.cache}/huggingface; token HF_TOKEN (legacy
    /// HUGGING_FACE_HUB_TOKEN), else the file HF_TOKEN_PATH or $HF_HOME/token; offline when HF_HUB_OFFLINE (or,
    /// only when that is unset, TRANSFORMERS_OFFLINE) is 1/ON/YES/TRUE. Empty variables count as unset.
    /// </summary>
    public static HubSettings FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        string? Get(string name) => getVariable(name) is { Length: > 0 } value ? value : null;

        var home = Get("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string Expand(string path) =>
            path == "~" ? home : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, path[2..]) : path;

        var hfHome = Expand(Get("HF_HOME") ?? Path.Combine(Get("XDG_CACHE_HOME") ?? Path.Combine(home, ".cache"), "huggingface"));
        var cacheRoot = Expand(Get("HF_HUB_CACHE") ?? Get("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(hfHome, "hub"));
        var endpoint = (Get("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/');
        var token = CleanToken(Get("HF_TOKEN") ?? Get("HUGGING_FACE_HUB_TOKEN"))
            ?? ReadTokenFile(Expand(Get("HF_TOKEN_PATH") ?? Path.Combine(hfHome, "token")));
        var offlineValue = Get("HF_HUB_OFFLINE") ?? Get("TRANSFORMERS_OFFLINE");
        var offline = offlineValue is not null && TrueValues.Contains(offlineValue.ToUpperInvariant());
        return new HubSettings(endpoint, token, cacheRoot, offline, DefaultUserAgent);
    }

    // The token never appears in logs or assertion messages.
    public override string ToString() =>
        $"HubSettings {{ Endpoint = {Endpoint}, Token = {(Token is null ? "none" : "set")}, CacheRoot = {CacheRoot}, Offline = {Offline}, UserAgent = {UserAgent} }}";

    private static string? CleanToken(string? token)
    {
        // A token pasted with a trailing newline would otherwise make every request fail with 401.
        var cleaned = token?.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim();
        return string.IsNullOrEmpty(cleaned) ? null : cleaned;
    }

    private static string? ReadTokenFile(string path)
    {
        try
        {
            return File.Exists(path) ? CleanToken(File.ReadAllText(path)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable token file means anonymous access, as in huggingface_hub; gated repos then say 401.
            return null;
        }
    }
}
