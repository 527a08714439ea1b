using RerankExperiments.Tracking;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// Metric keys as MLflow accepts them: the project's keys use '@' (<c>eval_ndcg@10</c>), which MLflow rejects, so
/// '@' reads as "_at_" (<c>eval_ndcg_at_10</c>); anything else invalid becomes '_'.
/// </summary>
public static class MetricNames
{
    public static string ForTracking(string key) => TrackingKeys.Sanitize(key.Replace("@", "_at_", StringComparison.Ordinal));
}
