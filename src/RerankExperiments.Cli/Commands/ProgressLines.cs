using System.Diagnostics;
using System.Globalization;
using RerankExperiments.Mining;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// Dense-retrieval progress as plain lines on stderr, e.g. "embedded 12,000/100,000 passages (3,100/s)": at most one
/// line per <paramref name="interval"/> per stage (a terminal gets one a second, a redirected stream one every
/// 30 s, so logs stay short), and always the line that finishes a stage.
/// </summary>
public sealed class ProgressLines(TextWriter writer, TimeSpan interval) : IProgress<RetrievalProgress>
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly Dictionary<RetrievalStage, TimeSpan> _last = [];

    /// <summary>Lines for stderr: every second on a terminal, every 30 seconds when redirected.</summary>
    public static ProgressLines ForStandardError() => new(Console.Error, Console.IsErrorRedirected ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(1));

    public void Report(RetrievalProgress value)
    {
        bool finished = value.Done >= value.Total;
        var now = _clock.Elapsed;
        if (!finished && _last.TryGetValue(value.Stage, out var last) && now - last < interval) return;
        _last[value.Stage] = now;
        string what = value.Stage == RetrievalStage.EmbeddingQueries ? "queries" : "passages";
        var culture = CultureInfo.InvariantCulture;
        writer.WriteLine(string.Format(culture, "embedded {0:N0}/{1:N0} {2} ({3:N0}/s)", value.Done, value.Total, what, value.Rate));
    }
}
