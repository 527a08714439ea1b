using System.CommandLine;
using RerankExperiments.Tracking;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank mlflow-sync [--from DIR] [--to URI]`: uploads the runs of a local MLflow store (by default the offline
/// buffer that tracking fills while a server is unreachable) to an MLflow server. Safe to repeat: what was uploaded
/// before is not sent again.
/// </summary>
public static class MlflowSyncCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from")
        {
            Description = $"The local store to upload: the offline buffer ({TrackingStores.DefaultOfflineStore}) or a runs/ folder.",
            DefaultValueFactory = _ => TrackingStores.DefaultOfflineStore,
        };
        var to = new Option<string?>("--to") { Description = $"The MLflow server (http(s)://…); {TrackingStores.TrackingUriVariable} when omitted." };
        var command = new Command("mlflow-sync", "Upload locally stored MLflow runs to a tracking server.") { from, to };
        command.SetAction(result => Run(result.GetValue(from)!, result.GetValue(to), Environment.GetEnvironmentVariable, Console.Out, Console.Error));
        return command;
    }

    public static int Run(string from, string? to, Func<string, string?> environment, TextWriter output, TextWriter errors)
    {
        var uri = string.IsNullOrWhiteSpace(to) ? environment(TrackingStores.TrackingUriVariable) : to;
        if (uri is null || !(uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
        {
            errors.WriteLine($"error: --to (or {TrackingStores.TrackingUriVariable}) must be an MLflow server URL (http:// or https://)");
            return 2;
        }
        if (!Directory.Exists(from))
        {
            errors.WriteLine($"error: no local store at {from}");
            return 2;
        }
        try
        {
            using var target = new RestTrackingStore(uri, MlflowCredentials.FromEnvironment(environment), RestTrackingOptions.FromEnvironment(environment));
            var report = new MlflowSync(new FileTrackingStore(from), target).Run();
            output.WriteLine($"{from} → {target.Location}: {report}");
            return 0;
        }
        catch (TrackingException error)
        {
            errors.WriteLine($"error: {error.Message}");
            return 1;
        }
    }
}
