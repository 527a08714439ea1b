using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Filters;
using Serilog.Formatting.Json;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// A trial's logger: everything goes to a JSON-lines file in the trial folder (logged as an artifact of the trial's
/// run) and to the runner's logger (the console) — except the per-step training lines (source context
/// <see cref="TrainingSource"/>), which the console already shows as the progress line.
/// </summary>
public static class TrialLog
{
    public const string TrainingSource = "training";

    public static Logger Create(ILogger parent, string path, TrialPlan trial) =>
        new LoggerConfiguration()
            .MinimumLevel.Debug()
            .Enrich.WithProperty("trial", trial.Index)
            .Enrich.WithProperty("config_hash", trial.ConfigHash)
            .WriteTo.Logger(console => console
                .Filter.ByExcluding(Matching.WithProperty<string>(Constants.SourceContextPropertyName, source => source == TrainingSource))
                .WriteTo.Logger(parent))
            .WriteTo.File(new JsonFormatter(renderMessage: true, formatProvider: CultureInfo.InvariantCulture), path)
            .CreateLogger();
}
