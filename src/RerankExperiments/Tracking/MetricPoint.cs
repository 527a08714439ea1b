namespace RerankExperiments.Tracking;

/// <summary>One value of a metric: MLflow's Metric (timestamp in milliseconds since the Unix epoch, step an int64).</summary>
public sealed record MetricPoint(string Key, double Value, long TimestampMs, long Step);
