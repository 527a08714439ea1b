namespace RerankExperiments.Scaling;

/// <summary>
/// The environment a sweep's jobs run with, chosen at submission: the dotnet host's folder and the system folders on
/// PATH, DOTNET_ROOT, HOME, the tracking URI as an absolute location, and the Hugging Face and MLflow settings that are
/// set in the submitting environment — values written into the script. Credentials are never written: their names
/// are handed to sbatch's --export, so Slurm carries the values from the submitting process to the tasks.
/// </summary>
public static class JobEnvironment
{
    /// <summary>Settings copied into the script when set (no secrets among them).</summary>
    public static readonly IReadOnlyList<string> Copied =
    [
        "HF_HOME", "HF_HUB_CACHE", "HF_ENDPOINT", "HF_HUB_OFFLINE", "XDG_CACHE_HOME",
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "MLFLOW_HTTP_REQUEST_TIMEOUT", "MLFLOW_TRACKING_INSECURE_TLS",
    ];

    /// <summary>Credentials: passed by name (sbatch --export=NAME) when set, never written.</summary>
    public static readonly IReadOnlyList<string> Secrets =
        ["MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"];

    /// <summary>The variables the scripts set, in a fixed order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ForScript(string dotnetHost, string trackingUri, Func<string, string?> environment)
    {
        string dotnetRoot = Path.GetDirectoryName(dotnetHost)!;
        var variables = new List<KeyValuePair<string, string>>
        {
            new("PATH", $"{dotnetRoot}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            new("DOTNET_ROOT", dotnetRoot),
            new("DOTNET_CLI_TELEMETRY_OPTOUT", "1"),
            new("DOTNET_NOLOGO", "1"),
            new("NO_COLOR", "1"),
            new("MLFLOW_TRACKING_URI", trackingUri),
        };
        if (environment("HOME") is { Length: > 0 } home) variables.Insert(2, new("HOME", home));
        foreach (var name in Copied)
            if (environment(name) is { Length: > 0 } value) variables.Add(new(name, value));
        return variables;
    }

    /// <summary>The credential variables set in <paramref name="environment"/>, for sbatch --export.</summary>
    public static IReadOnlyList<string> SecretNames(Func<string, string?> environment) =>
        Secrets.Where(name => environment(name) is { Length: > 0 }).ToList();

    /// <summary>sbatch's --export value: NONE, or the credential names (Slurm then exports only those and SLURM_*).</summary>
    public static string ExportArgument(Func<string, string?> environment) =>
        SecretNames(environment) is { Count: > 0 } names ? string.Join(',', names) : "NONE";

    /// <summary>The dotnet host that runs this process: the muxer beside the shared runtime folder.</summary>
    public static string CurrentDotnetHost()
    {
        // typeof(object)'s assembly lives in <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        var host = Path.Combine(root, "dotnet");
        return File.Exists(host) ? host : Environment.ProcessPath ?? "dotnet";
    }
}
