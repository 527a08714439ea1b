using System.Globalization;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Hub;
using RerankExperiments.Tests.Tracking;
using RerankExperiments.Tracking;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace RerankExperiments.Tests.Faults;

/// <summary>What an in-process experiment run left: its outcome, everything logged (messages, properties, exceptions), and the progress output.</summary>
internal sealed record InProcessRun(ExperimentOutcome Outcome, string Log, string Progress);

/// <summary>
/// Runs an experiment file as <c>rerank run</c> does, in-process, with an injected environment (no process variables
/// set), the offline buffer and caches under the given root, fast retries, and every log event captured as text.
/// </summary>
internal static class InProcessExperiment
{
    public static InProcessRun Run(string file, Func<string, string?> environment, string root)
    {
        var plan = ExperimentLoader.Load(file, null, environment);
        var text = new StringWriter();
        using var log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(new TextSink(text)).CreateLogger();
        var store = TrackingStores.Open(plan.Spec.Tracking.Uri, environment, root, Path.Combine(root, TrackingStores.DefaultOfflineStore),
            RestTrackingStoreTests.Fast, log);
        try
        {
            var progress = new StringWriter();
            var runner = new ExperimentRunner(store, log, progress, HubSettings.FromEnvironment(environment),
                new RunnerOptions(CacheDirectory: Path.Combine(root, "cache"), WorkingDirectory: root));
            var outcome = runner.Run(plan);
            return new InProcessRun(outcome, text.ToString(), progress.ToString());
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    sealed class TextSink(TextWriter writer) : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            lock (writer)
                writer.WriteLine($"{logEvent.Level} {logEvent.RenderMessage(CultureInfo.InvariantCulture)} "
                    + string.Join(" ", logEvent.Properties.Select(p => $"{p.Key}={p.Value}")) + $" {logEvent.Exception}");
        }
    }
}
