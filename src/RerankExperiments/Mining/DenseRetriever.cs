using System.Diagnostics;
using static TorchSharp.torch;

namespace RerankExperiments.Mining;

/// <summary>
/// Dense retrieval for mining: queries embedded once, the corpus embedded and searched chunk by chunk
/// (<see cref="ExactTopK"/>), so memory stays bounded by one chunk whatever the corpus size. Scores are
/// cos(q, p) (rows L2-normalised unless the encoder already returns unit rows) or q·p. A (query, positive) pair
/// scores with the same embeddings, taken from the chunk that holds the positive, as sentence-transformers scores
/// positives pairwise. Progress goes to <paramref name="progress"/> (synchronously, after each batch).
/// </summary>
public sealed class DenseRetriever(ITextEncoder encoder, DenseRetrieverOptions? options = null, IProgress<RetrievalProgress>? progress = null)
    : ICandidateRetriever
{
    readonly DenseRetrieverOptions _options = (options ?? new DenseRetrieverOptions()).Validated();

    public ITextEncoder Encoder { get; } = encoder;

    public string Identity => $"dense({_options.Similarity}):{Encoder.Identity}";

    public RetrievalResult Retrieve(IReadOnlyList<string> queries, IReadOnlyList<string> corpus, int k, IReadOnlyList<IReadOnlyList<int>> pairs)
    {
        if (pairs.Count != queries.Count) throw new ArgumentException($"{pairs.Count} pair lists for {queries.Count} queries.", nameof(pairs));
        var pairScores = pairs.Select(p => new double[p.Count]).ToArray();
        if (queries.Count == 0 || corpus.Count == 0) return new RetrievalResult([.. queries.Select(_ => Array.Empty<(int, double)>())], pairScores);
        k = Math.Clamp(k, 1, corpus.Count);

        // Which (query, slot) pairs each corpus position takes part in, so a chunk scores its own pairs.
        var pairsOf = new Dictionary<int, List<(int Query, int Slot)>>();
        for (int q = 0; q < pairs.Count; q++)
            for (int slot = 0; slot < pairs[q].Count; slot++)
            {
                int position = pairs[q][slot];
                if ((uint)position >= (uint)corpus.Count) throw new ArgumentOutOfRangeException(nameof(pairs), position, $"corpus position must be in [0, {corpus.Count})");
                if (!pairsOf.TryGetValue(position, out var list)) pairsOf[position] = list = [];
                list.Add((q, slot));
            }

        using var queryEmbeddings = Embed(queries, 0, RetrievalStage.EmbeddingQueries, queries.Count, Stopwatch.StartNew());
        var clock = Stopwatch.StartNew();
        Tensor EmbedChunk(int start, int count) =>
            Embed(new ListSlice(corpus, start, count), start, RetrievalStage.EmbeddingPassages, corpus.Count, clock);

        void ScorePairs(int start, Tensor chunk)
        {
            var queryRows = new List<long>();
            var passageRows = new List<long>();
            var targets = new List<(int Query, int Slot)>();
            for (int position = start; position < start + chunk.shape[0]; position++)
                if (pairsOf.TryGetValue(position, out var list))
                    foreach (var target in list)
                    {
                        queryRows.Add(target.Query);
                        passageRows.Add(position - start);
                        targets.Add(target);
                    }
            if (targets.Count == 0) return;
            using var scope = NewDisposeScope();
            var device = chunk.device;
            var dots = queryEmbeddings.index_select(0, tensor(queryRows.ToArray(), device: device))
                .mul(chunk.index_select(0, tensor(passageRows.ToArray(), device: device))).sum(1).cpu().data<float>().ToArray();
            for (int i = 0; i < targets.Count; i++) pairScores[targets[i].Query][targets[i].Slot] = dots[i];
        }

        var hits = ExactTopK.Search(queryEmbeddings, corpus.Count, EmbedChunk, k, _options.CorpusChunk, _options.QueryBlock, ScorePairs);
        var candidates = hits.Select(row => row.Select(h => (h.Index, (double)h.Score)).ToArray()).ToArray();
        return new RetrievalResult(candidates, pairScores);
    }

    /// <summary>Embeds texts (normalised for cosine), reporting items done as offset + done of total.</summary>
    Tensor Embed(IReadOnlyList<string> texts, int offset, RetrievalStage stage, int total, Stopwatch clock)
    {
        var relay = progress is null ? null : new Relay(done => progress.Report(new RetrievalProgress(stage, offset + done, total, clock.Elapsed)));
        var embeddings = Encoder.Encode(texts, relay);
        if (_options.Similarity != Similarity.Cosine || Encoder.Normalizes) return embeddings;
        using (embeddings) return EmbeddingMath.Normalize(embeddings);
    }

    /// <summary>A synchronous IProgress (System.Progress posts to the thread pool, so reports could arrive late or out of order).</summary>
    sealed class Relay(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    /// <summary>A window on a list, so a chunk is embedded without copying the corpus.</summary>
    sealed class ListSlice(IReadOnlyList<string> list, int start, int count) : IReadOnlyList<string>
    {
        public string this[int index] => (uint)index < (uint)count ? list[start + index] : throw new ArgumentOutOfRangeException(nameof(index));
        public int Count => count;
        public IEnumerator<string> GetEnumerator()
        {
            for (int i = 0; i < count; i++) yield return list[start + i];
        }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
