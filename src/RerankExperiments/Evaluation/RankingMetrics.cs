namespace RerankExperiments.Evaluation;

/// <summary>Ranking metrics over one query's ranked relevance list (index 0 = ranked first).</summary>
public static class RankingMetrics
{
    /// <summary>MRR@k: 1 / (rank of the first relevant document) if it is within the top k, else 0; 0 with no relevant document.</summary>
    public static double ReciprocalRank(IReadOnlyList<bool> relevantByRank, int k)
    {
        for (int i = 0; i < Math.Min(k, relevantByRank.Count); i++)
            if (relevantByRank[i]) return 1.0 / (i + 1);
        return 0;
    }
}
