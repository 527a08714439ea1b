using static TorchSharp.torch;

namespace RerankExperiments.Mining;

/// <summary>
/// The k best (score, corpus index) of each of a block of queries over a corpus seen in chunks, so exact top-k
/// search never holds more than one chunk's scores. Order is score descending, ties by corpus index ascending —
/// the order a stable full sort of the whole score row would give, whatever the chunking.
/// <para>Per chunk of C scores: torch.topk keeps min(k, C) candidates; rows where more than that many scores reach
/// the k-th value (a tie across the cut, whose survivors topk picks arbitrarily) are redone exactly on the CPU,
/// keeping the lowest indices. The kept candidates and the running ones are merged by sorting on index, then a
/// stable sort on score, and cut to k. Any k (also k &gt; C) and any chunk size give the same result.</para>
/// </summary>
public sealed class RunningTopK : IDisposable
{
    readonly int _k;
    readonly int _queries;
    Tensor? _scores;
    Tensor? _indices;

    /// <param name="queries">Q, the rows of every chunk.</param>
    /// <param name="k">How many to keep per query (≥ 1).</param>
    public RunningTopK(int queries, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "must be ≥ 1");
        ArgumentOutOfRangeException.ThrowIfNegative(queries);
        _queries = queries;
        _k = k;
    }

    /// <summary>
    /// Folds in one chunk: <paramref name="scores"/> [Q, C] (float32, any device) for corpus entries
    /// <paramref name="offset"/> … offset + C − 1. Chunks must come in corpus order.
    /// </summary>
    public void Add(Tensor scores, long offset)
    {
        if (scores.dim() != 2 || scores.shape[0] != _queries) throw new ArgumentException($"scores must be [queries, chunk]; got [{string.Join(", ", scores.shape)}] for {_queries} queries.", nameof(scores));
        long chunk = scores.shape[1];
        if (chunk == 0) return;
        int kept = (int)Math.Min(_k, chunk);
        using var scope = NewDisposeScope();
        var (values, positions) = scores.topk(kept, dim: 1, largest: true, sorted: true);
        FixTiesAtTheCut(scores, values, positions, kept);
        var indices = positions.add(offset);
        if (_scores is not null)
        {
            values = cat([_scores, values], 1);
            indices = cat([_indices!, indices], 1);
        }
        var (byIndex, order) = indices.sort(dim: 1);
        var (merged, rank) = values.gather(1, order).sort(dim: 1, descending: true, stable: true);
        int keep = (int)Math.Min(_k, merged.shape[1]);
        var newScores = merged.narrow(1, 0, keep).contiguous();
        var newIndices = byIndex.gather(1, rank).narrow(1, 0, keep).contiguous();
        _scores?.Dispose();
        _indices?.Dispose();
        // Owned by this object, not by any dispose scope around the call: they live until the next chunk or Dispose.
        _scores = newScores.DetachFromDisposeScope();
        _indices = newIndices.DetachFromDisposeScope();
    }

    /// <summary>
    /// For each row where more than <paramref name="kept"/> scores are ≥ the k-th kept value, replaces the row's
    /// selection by the exact one: all scores ≥ that value, ordered by (score desc, position asc), first kept.
    /// </summary>
    static void FixTiesAtTheCut(Tensor scores, Tensor values, Tensor positions, int kept)
    {
        var kth = values.narrow(1, kept - 1, 1);
        var reaching = scores.ge(kth).sum(1);
        var rows = reaching.gt(kept).nonzero().flatten().cpu().data<long>().ToArray();
        foreach (long row in rows)
        {
            var line = scores[row].to(ScalarType.Float32).cpu().data<float>().ToArray();
            float threshold = line[(int)positions[row, kept - 1].item<long>()];
            var best = Enumerable.Range(0, line.Length).Where(j => line[j] >= threshold)
                .OrderByDescending(j => line[j]).ThenBy(j => j).Take(kept).ToArray();
            positions[row].copy_(tensor(best.Select(j => (long)j).ToArray(), device: positions.device));
            values[row].copy_(tensor(best.Select(j => line[j]).ToArray(), device: values.device));
        }
    }

    /// <summary>Per query, the kept (corpus index, score) pairs, best first; empty lists before any chunk.</summary>
    public (int Index, float Score)[][] Results()
    {
        if (_scores is null) return Enumerable.Range(0, _queries).Select(_ => Array.Empty<(int, float)>()).ToArray();
        using var scope = NewDisposeScope();
        var scores = _scores.cpu().data<float>().ToArray();
        var indices = _indices!.cpu().data<long>().ToArray();
        int width = (int)_scores.shape[1];
        var results = new (int Index, float Score)[_queries][];
        for (int q = 0; q < results.Length; q++)
        {
            results[q] = new (int, float)[width];
            for (int j = 0; j < width; j++) results[q][j] = ((int)indices[q * width + j], scores[q * width + j]);
        }
        return results;
    }

    public void Dispose()
    {
        _scores?.Dispose();
        _indices?.Dispose();
    }
}
