namespace RerankExperiments.Mining;

/// <summary>
/// Okapi BM25 parameters: <paramref name="K1"/> saturates term frequency (0 = binary match), <paramref name="B"/>
/// scales the document-length normalisation (0 = none, 1 = full). Defaults 1.2 and 0.75 (Lucene, Anserini).
/// </summary>
public sealed record Bm25Options(double K1 = 1.2, double B = 0.75)
{
    public Bm25Options Validated()
    {
        if (!(K1 >= 0) || double.IsInfinity(K1)) throw new ArgumentOutOfRangeException(nameof(K1), K1, "must be a finite number ≥ 0");
        if (!(B is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(B), B, "must be in [0, 1]");
        return this;
    }
}
