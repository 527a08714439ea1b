using RerankExperiments.Modeling;

namespace RerankExperiments.Evaluation;

/// <summary>Scores a model on held-out data with the same inference path users get (a <see cref="Reranker"/>).</summary>
public interface IEvaluator
{
    /// <summary>Prefix of the metric keys (e.g. "dev").</summary>
    string Name { get; }

    /// <summary>The key of the metric best-model selection and early stopping use by default.</summary>
    string PrimaryMetric { get; }

    /// <summary>Metrics by key, e.g. "dev_mrr@10".</summary>
    IReadOnlyDictionary<string, double> Evaluate(Reranker reranker);
}
