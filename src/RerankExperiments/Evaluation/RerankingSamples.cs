using RerankExperiments.Data;

namespace RerankExperiments.Evaluation;

/// <summary>Evaluation samples from ranking examples: each query's relevant (label &gt; 0) passages against the rest.</summary>
public static class RerankingSamples
{
    /// <summary>One sample per example with at least one relevant passage (others cannot be scored and are left out).</summary>
    public static List<RerankingSample> FromExamples(IEnumerable<RankingExample> examples) =>
        examples.Select(e => (e.Query, Split: DatasetFormats.SplitByLabel(e)))
            .Where(x => x.Split.Positives.Count > 0)
            .Select(x => new RerankingSample(x.Query, x.Split.Positives, x.Split.Negatives))
            .ToList();
}
