using System.Text;
using System.Text.Json;

namespace RerankExperiments.Tracking;

/// <summary>One runs/log-batch request's share of a batch.</summary>
internal sealed record LogBatchChunk(
    IReadOnlyList<MetricPoint> Metrics,
    IReadOnlyList<KeyValuePair<string, string>> Params,
    IReadOnlyList<KeyValuePair<string, string>> Tags);

/// <summary>
/// Splits a batch into requests MLflow accepts (mlflow/utils/validation.py): at most 1000 metrics, 100 params,
/// 100 tags and 1000 items in all, and a body under 1,000,000 bytes. Params go first so an immutability error
/// comes before any metric is written.
/// </summary>
internal static class LogBatchChunker
{
    public const int MaxMetrics = 1000;
    public const int MaxParams = 100;
    public const int MaxTags = 100;
    public const int MaxItems = 1000;
    public const int MaxBodyBytes = 1_000_000;

    /// <summary>Room for the envelope ({"run_id":…,"metrics":[],…}) and rounding in the per-item estimates.</summary>
    const int EnvelopeBytes = 2_000;

    public static IReadOnlyList<LogBatchChunk> Split(IReadOnlyList<MetricPoint> metrics,
        IReadOnlyList<KeyValuePair<string, string>> parameters, IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        var chunks = new List<LogBatchChunk>();
        int nextParam = 0, nextTag = 0, nextMetric = 0;
        while (nextParam < parameters.Count || nextTag < tags.Count || nextMetric < metrics.Count)
        {
            // Each request takes as much of every kind as the limits allow, so a batch needs as few requests as possible.
            long bytes = EnvelopeBytes;
            int items = 0;
            var p = Take(parameters, ref nextParam, MaxParams, PairBytes, ref bytes, ref items);
            var t = Take(tags, ref nextTag, MaxTags, PairBytes, ref bytes, ref items);
            var m = Take(metrics, ref nextMetric, MaxMetrics, MetricBytes, ref bytes, ref items);
            chunks.Add(new LogBatchChunk(m, p, t));
        }
        return chunks;
    }

    static List<T> Take<T>(IReadOnlyList<T> source, ref int next, int max, Func<T, int> size, ref long bytes, ref int items)
    {
        var taken = new List<T>();
        while (next < source.Count && taken.Count < max && items < MaxItems)
        {
            int itemBytes = size(source[next]);
            // An item always fits in an empty request (one item is far below 1 MB).
            if (items > 0 && bytes + itemBytes >= MaxBodyBytes) break;
            taken.Add(source[next++]);
            bytes += itemBytes;
            items++;
        }
        return taken;
    }

    /// <summary>Bytes of {"key":…,"value":…}, as the JSON writer escapes them, plus punctuation.</summary>
    static int PairBytes(KeyValuePair<string, string> pair) => Escaped(pair.Key) + Escaped(pair.Value) + 24;

    /// <summary>Bytes of {"key":…,"value":…,"timestamp":…,"step":…}: numbers take at most 24 characters each.</summary>
    static int MetricBytes(MetricPoint metric) => Escaped(metric.Key) + 3 * 24 + 48;

    static int Escaped(string text) => Encoding.UTF8.GetByteCount(JsonEncodedText.Encode(text).Value);
}
