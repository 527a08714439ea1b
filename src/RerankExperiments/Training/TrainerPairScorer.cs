using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using RerankExperiments.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Training;

/// <summary>
/// The model being trained as an <see cref="IPairScorer"/>: tokenizes the pairs with the model's tokenizer
/// (longest-first truncation to the max length, as sentence-transformers' losses do), pads them to the batch's
/// longest pair, runs the forward pass and returns the first logit in fp32 (losses compute in fp32 whatever the
/// compute dtype). Token type ids reach the model only when the model's tokenizer returns them.
/// </summary>
public sealed class TrainerPairScorer : IPairScorer
{
    readonly CrossEncoder _encoder;
    readonly TruncationOptions _truncation;
    readonly int? _threads;

    /// <param name="encoder">The model being trained.</param>
    /// <param name="maxLength">Token limit of a pair.</param>
    /// <param name="tokenizerThreads">Threads that tokenize a batch; null uses all cores.</param>
    public TrainerPairScorer(CrossEncoder encoder, int maxLength, int? tokenizerThreads = null)
    {
        _encoder = encoder;
        _truncation = new TruncationOptions(maxLength);
        _threads = tokenizerThreads;
    }

    /// <summary>Pairs scored so far (throughput reporting).</summary>
    public long PairsScored { get; private set; }

    public Tensor Score(IReadOnlyList<(string Query, string Passage)> pairs)
    {
        if (pairs.Count == 0) throw new ArgumentException("No pairs to score.", nameof(pairs));
        var tokenizer = _encoder.Tokenizer;
        var encoded = tokenizer.EncodeBatch(pairs.Select(p => new TextInput(p.Query, p.Passage)).ToList(), _truncation, maxDegreeOfParallelism: _threads);
        var device = _encoder.Model.parameters().First().device;
        var (ids, mask, types) = Reranker.Collate(encoded, tokenizer.PadId ?? 0, device, tokenizer.ReturnsTokenTypeIds);
        var logits = _encoder.Model.forward(ids, mask, types);
        PairsScored += pairs.Count;
        return logits.select(1, 0).to(ScalarType.Float32);
    }
}
