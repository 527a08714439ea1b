using RerankExperiments.Data;
using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>
/// sentence-transformers' cross-encoder MarginMSELoss with the teacher's raw scores as labels (positive first):
/// for each example, passage 0 is the positive and passages 1…n the negatives, and
/// loss = mean over all (example, j) of ((a(s₀) − a(s_j)) − (t₀ − t_j))², one pool over the batch (MSE's mean over
/// batch × n). Needs <see cref="RankingExample.TeacherScores"/>. Default a = identity.
/// </summary>
public sealed class MarginMseLoss(LossActivation activation = LossActivation.Identity) : IRankingLoss
{
    public string Name => "margin-mse";

    /// <summary>A mean over (example, negative) margins.</summary>
    public double? Units(IReadOnlyList<RankingExample> examples) => examples.Sum(e => e.Passages.Count - 1);

    public LossActivation Activation { get; } = activation;

    public Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer)
    {
        var grouped = GroupedPairs.From(batch, Name);
        var positive = new List<long>();
        var negative = new List<long>();
        var margins = new List<float>();
        for (int q = 0; q < batch.Count; q++)
        {
            var teacher = batch[q].TeacherScores
                ?? throw new ArgumentException($"{Name} needs teacher scores; the example for '{batch[q].Query}' has none.");
            if (teacher.Count < 2) throw new ArgumentException($"{Name} needs a positive and at least one negative; the example for '{batch[q].Query}' has {teacher.Count} passage(s).");
            for (int j = 1; j < teacher.Count; j++)
            {
                positive.Add(grouped.Offsets[q]);
                negative.Add(grouped.Offsets[q] + j);
                margins.Add((float)((double)teacher[0] - teacher[j]));
            }
        }
        using var scope = NewDisposeScope();
        var scores = Activation.Apply(scorer.Score(grouped.Pairs).to(ScalarType.Float32));
        var device = scores.device;
        var studentMargins = scores.index_select(0, tensor(positive.ToArray(), device: device))
            .sub(scores.index_select(0, tensor(negative.ToArray(), device: device)));
        var target = tensor(margins.ToArray(), device: device).to(scores.dtype);
        return nn.functional.mse_loss(studentMargins, target).MoveToOuterDisposeScope();
    }
}
