using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Formatting.Json;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// A trial's logger: everything goes to the runner's logger (the console) and to a JSON-lines file in the trial folder,
/// logged as an artifact of the trial's run.
/// </summary>
public static class TrialLog
{
    public static Logger Create(ILogger parent, string path, TrialPlan trial) =>
        new LoggerConfiguration()
            .MinimumLevel.Debug()
            .Enrich.WithProperty("trial", trial.Index)
            .Enrich.WithProperty("config_hash", trial.ConfigHash)
            .WriteTo.Logger(parent)
            .WriteTo.File(new JsonFormatter(renderMessage: true, formatProvider: CultureInfo.InvariantCulture), path)
            .CreateLogger();
}
