namespace RerankExperiments.Evaluation;

/// <summary>
/// Ranking metrics of one query, as sentence-transformers' CrossEncoderRerankingEvaluator computes them: MRR@k from
/// the order of the scores, NDCG@k as scikit-learn's <c>ndcg_score</c> (ties averaged) and average precision as
/// scikit-learn's <c>average_precision_score</c> (ties counted together). Scores and relevance are in the same
/// (input) order; higher scores rank first. A query with no relevant document scores 0 on every metric.
/// </summary>
public static class RankingMetrics
{
    /// <summary>MRR@k: 1 / (rank of the first relevant document) if it is within the top k, else 0; 0 with no relevant document.</summary>
    public static double ReciprocalRank(IReadOnlyList<bool> relevantByRank, int k)
    {
        for (int i = 0; i < Math.Min(k, relevantByRank.Count); i++)
            if (relevantByRank[i]) return 1.0 / (i + 1);
        return 0;
    }

    /// <summary>
    /// MRR@k of documents ranked by <paramref name="scores"/>, descending. Tied scores rank the later input first:
    /// sentence-transformers ranks by <c>np.argsort(scores)[::-1]</c>, the reverse of an ascending sort that keeps
    /// tied items in input order (numpy's sort does so for lists up to 16 items; beyond that its order among ties
    /// is unspecified). With positives listed first this is the pessimistic order for them.
    /// </summary>
    public static double ReciprocalRank(IReadOnlyList<double> scores, IReadOnlyList<bool> relevant, int k)
    {
        CheckLengths(scores, relevant.Count);
        CheckK(k);
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ThenByDescending(i => i);
        return ReciprocalRank(order.Select(i => relevant[i]).ToList(), k);
    }

    /// <summary>
    /// NDCG@k with binary gains (relevant = 1), as <c>sklearn.metrics.ndcg_score([relevant], [scores], k=k)</c>.
    /// See <see cref="Ndcg(IReadOnlyList{double}, IReadOnlyList{double}, int?)"/>.
    /// </summary>
    public static double Ndcg(IReadOnlyList<double> scores, IReadOnlyList<bool> relevant, int? k) =>
        Ndcg(scores, relevant.Select(r => r ? 1.0 : 0.0).ToList(), k);

    /// <summary>
    /// NDCG@k as scikit-learn's <c>ndcg_score(y_true=[gains], y_score=[scores], k=k)</c> (ignore_ties=False).
    /// Position r (0-based) has discount d_r = 1 / log2(r + 2) for r &lt; k, else 0 (all positions when k is null),
    /// and the gain is the relevance itself (linear, not 2^rel − 1). Ties are averaged: documents sorted by
    /// descending score form groups G of equal score occupying positions p..p+|G|−1, and
    /// DCG = Σ_G (mean gain over G) · (Σ_{r=p}^{p+|G|−1} d_r), i.e. the expected DCG over all orders of the ties.
    /// IDCG is the DCG of the gains sorted descending; NDCG = DCG / IDCG, and 0 when IDCG = 0 (nothing relevant).
    /// Unlike scikit-learn (which refuses it), a single document is accepted.
    /// </summary>
    public static double Ndcg(IReadOnlyList<double> scores, IReadOnlyList<double> gains, int? k)
    {
        CheckLengths(scores, gains.Count);
        if (k is { } kk) CheckK(kk);
        foreach (var g in gains)
            if (!(g >= 0)) throw new ArgumentOutOfRangeException(nameof(gains), g, "relevance gains must be ≥ 0");
        int n = scores.Count;
        int cut = Math.Min(k ?? n, n);
        var discount = new double[n];
        for (int r = 0; r < cut; r++) discount[r] = 1.0 / Math.Log2(r + 2);

        double ideal = 0;
        var sortedGains = gains.OrderByDescending(g => g).ToArray();
        for (int r = 0; r < cut; r++) ideal += sortedGains[r] * discount[r];
        if (ideal == 0) return 0;

        double dcg = 0;
        foreach (var (start, group) in TieGroups(scores))
        {
            double meanGain = group.Average(i => gains[i]);
            double discountSum = 0;
            for (int r = start; r < start + group.Count; r++) discountSum += discount[r];
            dcg += meanGain * discountSum;
        }
        return dcg / ideal;
    }

    /// <summary>
    /// Average precision as scikit-learn's <c>average_precision_score(relevant, scores)</c>: a step-wise area under
    /// the precision-recall curve over every distinct score threshold t (descending),
    /// AP = Σ_t (R_t − R_{t−1}) · P_t, where P_t and R_t are precision and recall of "score ≥ t". Tied documents
    /// therefore enter together: a group of equal scores holding g of the R relevant documents adds
    /// (g / R) · (relevant with score ≥ t) / (documents with score ≥ t). Over the full list (no cut-off);
    /// 0 with no relevant document.
    /// </summary>
    public static double AveragePrecision(IReadOnlyList<double> scores, IReadOnlyList<bool> relevant)
    {
        CheckLengths(scores, relevant.Count);
        int totalRelevant = relevant.Count(r => r);
        if (totalRelevant == 0) return 0;
        double ap = 0;
        int seen = 0, seenRelevant = 0;
        foreach (var (_, group) in TieGroups(scores))
        {
            int groupRelevant = group.Count(i => relevant[i]);
            seen += group.Count;
            seenRelevant += groupRelevant;
            if (groupRelevant > 0) ap += (double)groupRelevant / totalRelevant * seenRelevant / seen;
        }
        return ap;
    }

    /// <summary>Indices grouped by equal score, groups in descending score order, with each group's first position.</summary>
    static IEnumerable<(int Start, List<int> Members)> TieGroups(IReadOnlyList<double> scores)
    {
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        int start = 0;
        while (start < order.Length)
        {
            int end = start + 1;
            while (end < order.Length && scores[order[end]] == scores[order[start]]) end++;
            yield return (start, order[start..end].ToList());
            start = end;
        }
    }

    static void CheckLengths(IReadOnlyList<double> scores, int count)
    {
        if (scores.Count != count) throw new ArgumentException($"{scores.Count} scores but {count} relevance labels.");
        foreach (var s in scores)
            if (double.IsNaN(s)) throw new ArgumentException("A score is NaN; rankings need comparable scores.", nameof(scores));
    }

    static void CheckK(int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "must be ≥ 1");
    }
}
