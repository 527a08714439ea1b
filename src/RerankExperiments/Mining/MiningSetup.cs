using System.Globalization;
using RerankExperiments.Data;
using RerankExperiments.Modeling;
using static TorchSharp.torch;

namespace RerankExperiments.Mining;

/// <summary>
/// One hard-negative mining run as `rerank mine` and an experiment's <c>mining</c> section describe it: the miner's
/// options, the retriever — BM25 with <see cref="Bm25"/> (defaults when null), or a dense encoder when
/// <see cref="Dense"/> is set — and optionally a cross-encoder folder that rescores candidates and positives (used
/// only when a margin or max_score filters, as sentence-transformers does). The CLI and the experiment runner both
/// build their retriever and their cache key here, so the same settings mine the same way and share cached results.
/// </summary>
/// <param name="Options">The miner's settings (<see cref="HardNegativeMiner"/>).</param>
/// <param name="Bm25">BM25 parameters (ignored with <paramref name="Dense"/>).</param>
/// <param name="Dense">Dense retrieval settings; null mines with BM25.</param>
/// <param name="RescoreModel">A local cross-encoder folder for rescoring, or null.</param>
/// <param name="RescoreBatchSize">Pairs per cross-encoder batch.</param>
public sealed record MiningSetup(MiningOptions Options, Bm25Options? Bm25 = null, DenseMiningSettings? Dense = null, string? RescoreModel = null,
    int RescoreBatchSize = 32)
{
    /// <summary>"bm25" or "dense".</summary>
    public string Method => Dense is null ? "bm25" : "dense";

    /// <summary>The rescoring model when it takes part (a margin or max_score is set), else null.</summary>
    public string? EffectiveRescoreModel => RescoreModel is not null && Options.Filters ? RescoreModel : null;

    /// <summary>
    /// The method part of the cache key: <c>bm25:k1=…,b=…</c> or the dense identity (model fingerprint, encoder
    /// settings, similarity), then <c>+rescore:&lt;folder&gt;</c> when a cross-encoder rescores.
    /// </summary>
    public string CacheMethod
    {
        get
        {
            var bm25 = Bm25 ?? new Bm25Options();
            string method = Dense?.Identity
                ?? string.Create(CultureInfo.InvariantCulture, $"bm25:k1={bm25.K1:R},b={bm25.B:R}");
            return EffectiveRescoreModel is { } model ? $"{method}+rescore:{Path.GetFullPath(model)}" : method;
        }
    }

    /// <summary>
    /// Mines <paramref name="records"/> against <paramref name="corpus"/> (null: the positives alone): loads the
    /// encoder (and cross-encoder) on <paramref name="device"/>, retrieves, filters and samples, and frees the models.
    /// </summary>
    public MiningResult Mine(IReadOnlyList<QueryPosNegRecord> records, IEnumerable<string>? corpus, Device device, IProgress<RetrievalProgress>? progress = null)
    {
        var options = Options.Validated();
        using var encoder = Dense is null ? null : TextEncoders.Load(Dense.ModelDirectory, Dense.Encoder.Validated(), device);
        ICandidateRetriever retriever = encoder is null ? new Bm25Retriever(options: Bm25) : new DenseRetriever(encoder, progress: progress);
        if (EffectiveRescoreModel is not { } model) return HardNegativeMiner.Mine(records, options, retriever, corpus);
        using var crossEncoder = CrossEncoder.Load(model, device: device);
        var reranker = new Reranker(crossEncoder, new RerankerOptions(RescoreBatchSize));
        return HardNegativeMiner.Mine(records, options, retriever, corpus, reranker.Score);
    }

    /// <summary>
    /// <see cref="Mine"/> through <see cref="MiningCache"/> under <paramref name="cacheDirectory"/> (null: no cache),
    /// keyed by the records, the corpus, the options and <see cref="CacheMethod"/>; a hit loads no model.
    /// </summary>
    public MiningResult MineCached(string? cacheDirectory, IReadOnlyList<QueryPosNegRecord> records, IReadOnlyList<string>? corpus, Device device,
        IProgress<RetrievalProgress>? progress = null)
    {
        MiningResult Run() => Mine(records, corpus, device, progress);
        return cacheDirectory is null ? Run() : MiningCache.GetOrMine(cacheDirectory, MiningCache.Key(records, corpus, Options.Validated(), CacheMethod), Run);
    }
}
