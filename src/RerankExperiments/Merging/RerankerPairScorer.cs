using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using static TorchSharp.torch;

namespace RerankExperiments.Merging;

/// <summary>An <see cref="IPairScorer"/> over a <see cref="Reranker"/>: the first logit of each pair, no gradient (evaluation only).</summary>
internal sealed class RerankerPairScorer(Reranker reranker) : IPairScorer
{
    public Tensor Score(IReadOnlyList<(string Query, string Passage)> pairs) =>
        tensor(reranker.Logits(pairs).Select(logits => logits[0]).ToArray());
}
