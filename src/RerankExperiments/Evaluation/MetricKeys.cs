namespace RerankExperiments.Evaluation;

/// <summary>Metric key naming shared by the evaluators (sentence-transformers' prefix_name_to_metrics).</summary>
public static class MetricKeys
{
    /// <summary>"{name}_{metric}", or just the metric when the name is empty.</summary>
    public static string Prefixed(string name, string metric) => string.IsNullOrEmpty(name) ? metric : $"{name}_{metric}";
}
