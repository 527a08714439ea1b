using RerankExperiments.Data;
using RerankExperiments.Torch.Randomness;
using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>
/// <see cref="MultipleNegativesRankingLoss"/> with gradient caching (sentence-transformers'
/// CachedMultipleNegativesRankingLoss), so the number of scored pairs is not bounded by memory. Same candidates and
/// math: loss = mean_i −log softmax(scale·a(s_i))[pos]. <see cref="ComputeWithBackward"/> (1) scores all pairs in
/// chunks of <see cref="MiniBatchSize"/> without grad, (2) computes the loss on the detached logits ℓ and
/// g = ∂loss/∂ℓ, (3) re-scores each chunk c with grad and back-propagates scaleLoss(Σ ℓ_c·g_c), which gives
/// ∂loss/∂θ = Σ_c (∂ℓ_c/∂θ)ᵀ g_c exactly. So that dropout draws the same masks in (1) and (3), torch's generators
/// are seeded per chunk from the loss's random source before both passes (the CPU generator is restored after).
/// </summary>
public sealed class CachedMultipleNegativesRankingLoss(DeterministicRandom random, int? numNegatives = 4, double scale = 10.0, LossActivation activation = LossActivation.Sigmoid, int miniBatchSize = 32) : ISelfBackwardLoss
{
    public CachedMultipleNegativesRankingLoss(long seed, int? numNegatives = 4, double scale = 10.0, LossActivation activation = LossActivation.Sigmoid, int miniBatchSize = 32)
        : this(new DeterministicRandom(seed), numNegatives, scale, activation, miniBatchSize) { }

    public string Name => "cached-mnrl";

    /// <summary>In-batch negatives couple the examples: a batch cannot be split (mini_batch_size bounds its memory).</summary>
    public double? Units(IReadOnlyList<RankingExample> examples) => null;

    public int? NumNegatives { get; } = numNegatives is null or >= 0 ? numNegatives : throw new ArgumentOutOfRangeException(nameof(numNegatives), numNegatives, "must be ≥ 0 or null");

    public double Scale { get; } = scale;

    public LossActivation Activation { get; } = activation;

    public int MiniBatchSize { get; } = miniBatchSize >= 1 ? miniBatchSize : throw new ArgumentOutOfRangeException(nameof(miniBatchSize), miniBatchSize, "must be ≥ 1");

    /// <summary>The plain loss (attached to the graph), scoring the pairs chunk by chunk.</summary>
    public Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer)
    {
        var plan = InBatchCandidates.Plan(batch, NumNegatives, random, Name);
        using var scope = NewDisposeScope();
        var chunks = Chunks(plan.Pairs.Count).Select(c => scorer.Score(plan.Pairs.GetRange(c.Start, c.Length))).ToList();
        var logits = chunks.Count == 1 ? chunks[0] : cat(chunks, 0);
        return plan.Loss(logits, Scale, Activation).MoveToOuterDisposeScope();
    }

    public double ComputeWithBackward(IReadOnlyList<RankingExample> batch, IPairScorer scorer, Func<Tensor, Tensor> scaleLoss)
    {
        var plan = InBatchCandidates.Plan(batch, NumNegatives, random, Name);
        var chunks = Chunks(plan.Pairs.Count);
        var seeds = chunks.Select(_ => (long)(random.NextUInt64() >> 1)).ToList();
        using var cpuState = get_rng_state();
        try
        {
            using var scope = NewDisposeScope();
            var detached = new List<Tensor>(chunks.Count);
            using (no_grad())
                for (int c = 0; c < chunks.Count; c++)
                {
                    Seeding.SeedTorch(seeds[c]);
                    detached.Add(scorer.Score(plan.Pairs.GetRange(chunks[c].Start, chunks[c].Length)));
                }
            var leaf = cat(detached, 0).detach().requires_grad_(true);
            var loss = plan.Loss(leaf, Scale, Activation);
            loss.backward();
            double value = loss.item<float>();
            var cached = leaf.grad ?? throw new InvalidOperationException("The loss produced no gradient for its logits.");
            cached = cached.detach().clone();

            for (int c = 0; c < chunks.Count; c++)
            {
                using var chunkScope = NewDisposeScope();
                Seeding.SeedTorch(seeds[c]);
                var logits = scorer.Score(plan.Pairs.GetRange(chunks[c].Start, chunks[c].Length));
                var surrogate = logits.mul(cached.narrow(0, chunks[c].Start, chunks[c].Length).to(logits.dtype)).sum();
                scaleLoss(surrogate).backward();
            }
            return value;
        }
        finally
        {
            set_rng_state(cpuState);
        }
    }

    List<(int Start, int Length)> Chunks(int count)
    {
        var chunks = new List<(int, int)>();
        for (int start = 0; start < count; start += MiniBatchSize)
            chunks.Add((start, Math.Min(MiniBatchSize, count - start)));
        return chunks;
    }
}
