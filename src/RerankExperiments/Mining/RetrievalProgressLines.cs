using System.Diagnostics;
using System.Globalization;

namespace RerankExperiments.Mining;

/// <summary>
/// Dense-retrieval progress as plain lines on a writer, e.g. "embedded 12,000/100,000 passages (3,100/s)": at most one
/// line per <paramref name="interval"/> per stage (`rerank mine` gives a terminal one a second and a redirected
/// stream one every 30 s, so logs stay short), and always the line that finishes a stage. Used by the CLI and by the
/// experiment runner's mining step.
/// </summary>
public sealed class RetrievalProgressLines(TextWriter writer, TimeSpan interval) : IProgress<RetrievalProgress>
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly Dictionary<RetrievalStage, TimeSpan> _last = [];

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
