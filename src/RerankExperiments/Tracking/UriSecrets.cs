namespace RerankExperiments.Tracking;

/// <summary>
/// Keeps credentials written into a URI (<c>http://user:password@host</c>, which MLflow accepts as a tracking URI)
/// out of everything that is logged, tracked or saved: the user-info part becomes <c>***</c>.
/// </summary>
public static class UriSecrets
{
    public const string Mask = "***";

    /// <summary><paramref name="uri"/> with its user info replaced by <see cref="Mask"/>; unchanged when it has none.</summary>
    public static string Redact(string uri)
    {
        int scheme = uri.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return uri;
        int start = scheme + 3;
        int end = uri.IndexOfAny(['/', '?', '#'], start);
        if (end < 0) end = uri.Length;
        int at = end > start ? uri.LastIndexOf('@', end - 1, end - start) : -1;
        return at < 0 ? uri : string.Concat(uri.AsSpan(0, start), Mask, uri.AsSpan(at));
    }
}
