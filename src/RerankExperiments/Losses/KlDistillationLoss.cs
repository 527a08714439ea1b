using RerankExperiments.Data;
using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>
/// Distillation from a teacher's scores per group (sentence-transformers' DistillKLDivLoss, FlagEmbedding's
/// reranker knowledge distillation): with p = softmax(t/T) and log q = log_softmax(s/T) over the group's passages,
/// loss = T² · (1/B) Σ_groups Σ_j p_j (log p_j − log q_j)  (KL(p‖q), "batchmean", rescaled by T²)
///        + ceWeight · (1/B) Σ_groups −log softmax(s)₀.
/// Temperature T defaults to 1 and ceWeight to 0. FlagEmbedding's KD objective is T = 1, ceWeight = 1 (it writes
/// the KL part as the cross-entropy −Σ p log q, which differs from KL(p‖q) by the teacher's entropy, a constant);
/// the CE term needs the positive first. Needs <see cref="RankingExample.TeacherScores"/>.
/// </summary>
public sealed class KlDistillationLoss(double temperature = 1.0, double ceWeight = 0.0) : IRankingLoss
{
    public string Name => "kl-distill";

    public double Temperature { get; } = temperature > 0 ? temperature : throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be > 0");

    public double CeWeight { get; } = ceWeight >= 0 ? ceWeight : throw new ArgumentOutOfRangeException(nameof(ceWeight), ceWeight, "must be ≥ 0");

    public Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer)
    {
        var grouped = GroupedPairs.From(batch, Name);
        int width = grouped.MaxCount;
        var teacherLogProbabilities = new float[batch.Count * width];
        var teacherProbabilities = new float[batch.Count * width];
        for (int q = 0; q < batch.Count; q++)
        {
            var teacher = batch[q].TeacherScores
                ?? throw new ArgumentException($"{Name} needs teacher scores; the example for '{batch[q].Query}' has none.");
            double[] scaled = teacher.Select(t => t / Temperature).ToArray();
            double max = scaled.Max();
            double logSum = max + Math.Log(scaled.Sum(t => Math.Exp(t - max)));
            for (int j = 0; j < scaled.Length; j++)
            {
                teacherLogProbabilities[q * width + j] = (float)(scaled[j] - logSum);
                teacherProbabilities[q * width + j] = (float)Math.Exp(scaled[j] - logSum);
            }
        }
        using var scope = NewDisposeScope();
        var scores = scorer.Score(grouped.Pairs).to(ScalarType.Float32);
        var device = scores.device;
        var p = tensor(teacherProbabilities, device: device).view(batch.Count, width).to(scores.dtype);
        var logP = tensor(teacherLogProbabilities, device: device).view(batch.Count, width).to(scores.dtype);
        // Padding: student logit −1e16 (zero probability), teacher p = 0 and log p = 0, so padded terms vanish.
        var logQ = grouped.Padded(scores.div(Temperature), -1e16f).log_softmax(1);
        var loss = p.mul(logP.sub(logQ)).sum().div(batch.Count).mul(Temperature * Temperature);
        if (CeWeight > 0)
        {
            var logSoftmax = grouped.Padded(scores, -1e16f).log_softmax(1);
            loss = loss.add(logSoftmax.select(1, 0).mean().neg().mul(CeWeight));
        }
        return loss.MoveToOuterDisposeScope();
    }
}
