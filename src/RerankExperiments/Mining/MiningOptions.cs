namespace RerankExperiments.Mining;

/// <summary>How negatives are drawn from the candidates that survive the filters.</summary>
public enum NegativeSampling
{
    /// <summary>The best-scoring survivors (after skipping the first <see cref="MiningOptions.RangeMin"/>).</summary>
    Top,

    /// <summary>Uniform without replacement among the survivors in the rank window, then sorted by score (best first).</summary>
    Random,
}

/// <summary>
/// Hard-negative mining settings, named after sentence-transformers' <c>mine_hard_negatives</c>. Scores are the
/// retriever's (BM25 scores, or cosine / dot similarities of embeddings; with a rescoring callback, the callback's),
/// so <see cref="AbsoluteMargin"/>, <see cref="MaxScore"/> and <see cref="MinScore"/> are in those units.
/// </summary>
/// <param name="NumNegatives">Negatives kept per query (≥ 1).</param>
/// <param name="RangeMin">Survivors skipped first (the very best, likely false negatives); ≥ 0.</param>
/// <param name="RangeMax">
/// End of the rank window over survivors (exclusive). Null: <c>RangeMin + NumNegatives</c>, or
/// <c>RangeMin + 10 · NumNegatives</c> when a margin or <see cref="MaxScore"/> is set (as sentence-transformers).
/// The search itself retrieves <c>RangeMax + (most positives of any query)</c> candidates.
/// </param>
/// <param name="MaxScore">Drop a candidate scoring above this (likely false negatives).</param>
/// <param name="MinScore">Drop a candidate scoring below this (too easy).</param>
/// <param name="AbsoluteMargin">Drop a candidate when <c>score + m &gt; min positive score</c>.</param>
/// <param name="RelativeMargin">Drop a candidate when <c>score &gt; p − |p| · m</c>, p the query's minimum positive score.</param>
/// <param name="Sampling">Top or seeded random among survivors.</param>
/// <param name="Seed">Seed of <see cref="NegativeSampling.Random"/> (same seed, same output).</param>
/// <param name="DropShort">Drop queries with fewer than <see cref="NumNegatives"/> negatives (default: keep them with fewer).</param>
public sealed record MiningOptions(
    int NumNegatives = 3,
    int RangeMin = 0,
    int? RangeMax = null,
    double? MaxScore = null,
    double? MinScore = null,
    double? AbsoluteMargin = null,
    double? RelativeMargin = null,
    NegativeSampling Sampling = NegativeSampling.Top,
    long Seed = 12,
    bool DropShort = false)
{
    /// <summary>Whether a margin or a maximum score filters candidates (then a rescoring callback is applied).</summary>
    public bool Filters => AbsoluteMargin is not null || RelativeMargin is not null || MaxScore is not null;

    /// <summary>The rank window's end: <see cref="RangeMax"/> or its default.</summary>
    public int EffectiveRangeMax => RangeMax ?? RangeMin + (Filters ? 10 : 1) * NumNegatives;

    /// <summary>Checks the settings; throws naming the first bad one.</summary>
    public MiningOptions Validated()
    {
        if (NumNegatives < 1) throw new ArgumentOutOfRangeException(nameof(NumNegatives), NumNegatives, "must be ≥ 1");
        if (RangeMin < 0) throw new ArgumentOutOfRangeException(nameof(RangeMin), RangeMin, "must be ≥ 0");
        if (EffectiveRangeMax <= RangeMin) throw new ArgumentOutOfRangeException(nameof(RangeMax), EffectiveRangeMax, $"must be > range_min ({RangeMin})");
        if (NumNegatives > EffectiveRangeMax - RangeMin)
            throw new ArgumentOutOfRangeException(nameof(NumNegatives), NumNegatives, $"must be ≤ range_max − range_min ({EffectiveRangeMax - RangeMin})");
        foreach (var (name, value) in new[] { (nameof(MaxScore), MaxScore), (nameof(MinScore), MinScore), (nameof(AbsoluteMargin), AbsoluteMargin), (nameof(RelativeMargin), RelativeMargin) })
            if (value is { } v && !double.IsFinite(v)) throw new ArgumentOutOfRangeException(name, v, "must be finite");
        return this;
    }
}
