using RerankExperiments.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Modeling;

/// <summary>Settings of <see cref="Reranker"/>; null values take the model's own (max length, activation).</summary>
public sealed record RerankerOptions(int BatchSize = 32, int? MaxLength = null, ScoreActivation? Activation = null)
{
    public RerankerOptions Validated()
    {
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "must be ≥ 1");
        if (MaxLength is < 2) throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, "must be ≥ 2");
        return this;
    }
}

/// <summary>One document of a ranking: its index in the input list and its score.</summary>
public readonly record struct RankedDocument(int Index, float Score);

/// <summary>
/// Scores (query, passage) pairs as CrossEncoder.predict and FlagReranker.compute_score do — truncated pairs,
/// logits, optional sigmoid — but tokenizes on all cores and batches pairs sorted by length, so each batch pads
/// only to its own longest pair; scores come back in input order.
/// </summary>
public sealed class Reranker(CrossEncoder encoder, RerankerOptions? options = null)
{
    readonly RerankerOptions _options = (options ?? new RerankerOptions()).Validated();

    public CrossEncoder Encoder { get; } = encoder;

    /// <summary>One score per pair, in input order (one-label models).</summary>
    public float[] Score(IReadOnlyList<(string Query, string Passage)> pairs)
    {
        if (Encoder.Model.NumLabels != 1)
            throw new InvalidOperationException($"Score needs a one-label model; this one has {Encoder.Model.NumLabels} labels: use Logits.");
        var logits = Logits(pairs);
        var activation = _options.Activation ?? Encoder.DefaultActivation;
        var scores = new float[pairs.Count];
        for (int i = 0; i < scores.Length; i++)
            scores[i] = activation == ScoreActivation.Sigmoid ? 1f / (1f + MathF.Exp(-logits[i][0])) : logits[i][0];
        return scores;
    }

    /// <summary>The documents of one query, best first (the top <paramref name="topK"/> when given), ties in input order.</summary>
    public IReadOnlyList<RankedDocument> Rank(string query, IReadOnlyList<string> documents, int? topK = null) =>
        RankMany([(query, documents)], topK)[0];

    /// <summary>
    /// Ranks many document lists at once: every (query, document) pair of every list is scored in one call, so the
    /// length-sorted batches span lists and a list of one document costs no more than one pair.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<RankedDocument>> RankMany(IReadOnlyList<(string Query, IReadOnlyList<string> Documents)> lists, int? topK = null)
    {
        if (topK is < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "must be ≥ 1");
        var scores = Score(lists.SelectMany(l => l.Documents.Select(d => (l.Query, d))).ToList());
        var rankings = new List<IReadOnlyList<RankedDocument>>(lists.Count);
        int offset = 0;
        foreach (var (_, documents) in lists)
        {
            var ranked = Enumerable.Range(0, documents.Count).Select(i => new RankedDocument(i, scores[offset + i]))
                .OrderByDescending(r => r.Score).ThenBy(r => r.Index);
            rankings.Add((topK is { } k ? ranked.Take(k) : ranked).ToList());
            offset += documents.Count;
        }
        return rankings;
    }

    /// <summary>
    /// Raw logits [pairs][labels], in input order. Each distinct pair is scored once: duplicates cost nothing and
    /// get identical scores (so they tie exactly when ranked).
    /// </summary>
    public float[][] Logits(IReadOnlyList<(string Query, string Passage)> pairs)
    {
        var results = new float[pairs.Count][];
        if (pairs.Count == 0) return results;
        var slotOf = new Dictionary<(string, string), int>();
        var distinct = new List<(string Query, string Passage)>();
        var slots = new int[pairs.Count];
        for (int i = 0; i < pairs.Count; i++)
        {
            if (!slotOf.TryGetValue(pairs[i], out int slot))
            {
                slot = distinct.Count;
                slotOf[pairs[i]] = slot;
                distinct.Add(pairs[i]);
            }
            slots[i] = slot;
        }
        var scored = LogitsOfDistinct(distinct);
        for (int i = 0; i < pairs.Count; i++) results[i] = scored[slots[i]];
        return results;
    }

    float[][] LogitsOfDistinct(IReadOnlyList<(string Query, string Passage)> pairs)
    {
        var results = new float[pairs.Count][];
        int maxLength = _options.MaxLength ?? Encoder.MaxLength;
        var encoded = Encoder.Tokenizer.EncodeBatch(pairs.Select(p => new TextInput(p.Query, p.Passage)).ToList(), new TruncationOptions(maxLength));
        // Longest first: batches pad only to their own longest pair, and the first batch shows memory trouble early.
        var order = Enumerable.Range(0, encoded.Length).OrderByDescending(i => encoded[i].Length).ThenBy(i => i).ToArray();
        int padId = Encoder.Tokenizer.PadId ?? 0;
        var device = Encoder.Model.parameters().First().device;
        Encoder.Model.eval();
        using var inference = inference_mode();
        for (int start = 0; start < order.Length; start += _options.BatchSize)
        {
            var batch = order.AsSpan(start, Math.Min(_options.BatchSize, order.Length - start)).ToArray();
            using var scope = NewDisposeScope();
            var (ids, mask, types) = Collate(batch.Select(i => encoded[i]).ToList(), padId, device, Encoder.Tokenizer.ReturnsTokenTypeIds);
            using var logits = Encoder.Model.forward(ids, mask, types).to(ScalarType.Float32).cpu();
            float[] flat = logits.data<float>().ToArray();
            int labels = (int)logits.shape[1];
            for (int row = 0; row < batch.Length; row++) results[batch[row]] = flat.AsSpan(row * labels, labels).ToArray();
        }
        return results;
    }

    /// <summary>
    /// Right-padded int64 tensors [batch, longest] of ids, attention mask and token type ids (all zero when the
    /// model's tokenizer does not hand token types to the model, as transformers would not).
    /// </summary>
    public static (Tensor Ids, Tensor Mask, Tensor Types) Collate(IReadOnlyList<EncodedText> batch, int padId, Device device, bool withTokenTypes = true)
    {
        int length = batch.Max(e => e.Length);
        var ids = new long[batch.Count * length];
        var mask = new long[batch.Count * length];
        var types = new long[batch.Count * length];
        Array.Fill(ids, padId);
        for (int row = 0; row < batch.Count; row++)
        {
            var e = batch[row];
            for (int i = 0; i < e.Length; i++)
            {
                ids[row * length + i] = e.InputIds[i];
                mask[row * length + i] = e.AttentionMask[i];
                if (withTokenTypes) types[row * length + i] = e.TokenTypeIds[i];
            }
        }
        long[] shape = [batch.Count, length];
        return (tensor(ids, shape).to(device), tensor(mask, shape).to(device), tensor(types, shape).to(device));
    }
}
