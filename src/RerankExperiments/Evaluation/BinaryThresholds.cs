namespace RerankExperiments.Evaluation;

/// <summary>Best accuracy at a score threshold: the accuracy and the threshold that reaches it.</summary>
public readonly record struct AccuracyAtThreshold(double Accuracy, double Threshold);

/// <summary>Best F1 at a score threshold, with the precision and recall there.</summary>
public readonly record struct F1AtThreshold(double F1, double Precision, double Recall, double Threshold);

/// <summary>
/// Threshold sweeps of sentence-transformers' BinaryClassificationEvaluator (find_best_acc_and_threshold,
/// find_best_f1_and_threshold), which its CrossEncoderClassificationEvaluator uses for one-label models. Pairs are
/// sorted by descending score (ties keep input order) and, for i = 1 … N−1, the top i are predicted positive with
/// threshold = (score of the i-th + score of the (i+1)-th) / 2. The first strictly best cut wins. As in
/// sentence-transformers, the cuts "none positive" and "all positive" are not tried, and a cut may fall inside a
/// group of tied scores (its threshold is then that score).
/// </summary>
public static class BinaryThresholds
{
    /// <summary>
    /// Best accuracy (TP + TN) / N over the cuts; (0, −1) when no cut helps (fewer than two pairs).
    /// </summary>
    public static AccuracyAtThreshold BestAccuracy(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        var rows = Sorted(scores, labels);
        double best = 0, threshold = -1;
        int positivesAbove = 0, negativesBelow = labels.Count(l => l == 0);
        for (int i = 0; i < rows.Length - 1; i++)
        {
            if (rows[i].Label == 1) positivesAbove++;
            else negativesBelow--;
            double accuracy = (double)(positivesAbove + negativesBelow) / rows.Length;
            if (accuracy > best)
            {
                best = accuracy;
                threshold = (rows[i].Score + rows[i + 1].Score) / 2;
            }
        }
        return new(best, threshold);
    }

    /// <summary>
    /// Best F1 = 2PR / (P + R) over the cuts, with precision P = TP / (predicted positive) and recall
    /// R = TP / (all positives); all zero (threshold 0) when no cut has a true positive.
    /// </summary>
    public static F1AtThreshold BestF1(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        var rows = Sorted(scores, labels);
        int totalPositives = labels.Count(l => l == 1);
        var best = new F1AtThreshold(0, 0, 0, 0);
        int extracted = 0, correct = 0;
        for (int i = 0; i < rows.Length - 1; i++)
        {
            extracted++;
            if (rows[i].Label == 1) correct++;
            if (correct == 0) continue;
            double precision = (double)correct / extracted, recall = (double)correct / totalPositives;
            double f1 = 2 * precision * recall / (precision + recall);
            if (f1 > best.F1) best = new(f1, precision, recall, (rows[i].Score + rows[i + 1].Score) / 2);
        }
        return best;
    }

    static (double Score, int Label)[] Sorted(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        if (scores.Count != labels.Count) throw new ArgumentException($"{scores.Count} scores but {labels.Count} labels.");
        foreach (var label in labels)
            if (label is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(labels), label, "binary labels must be 0 or 1");
        return scores.Zip(labels).OrderByDescending(r => r.First).Select(r => (r.First, r.Second)).ToArray();
    }
}
