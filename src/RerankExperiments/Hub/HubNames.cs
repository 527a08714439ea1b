using System.Text.RegularExpressions;

namespace RerankExperiments.Hub;

/// <summary>
/// Shape rules for the names that become cache paths and URLs. Everything that comes from a caller or from a
/// response header is checked here, so that no repo id, revision, filename or ETag can point outside the cache.
/// </summary>
internal static partial class HubNames
{
    public static bool IsCommitHash(string? value) => value is not null && CommitHash().IsMatch(value);

    public static bool IsSha256(string? value) => value is not null && Sha256().IsMatch(value);

    /// <summary>"name" or "org/name" as the Hub accepts them: word characters, '-', '.', no "--" or "..".</summary>
    public static bool IsRepoId(string? value) =>
        value is not null && RepoId().IsMatch(value) && !value.Contains("--", StringComparison.Ordinal)
        && !value.Contains("..", StringComparison.Ordinal);

    /// <summary>A repo-relative path ("a/b.json") that stays inside the folder it is joined to.</summary>
    public static void CheckRelativePath(string value, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, what);
        var bad = value.StartsWith('/') || value.Contains('\\', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal)
            || value.Split('/').Any(segment => segment is "" or "." or "..");
        if (bad)
            throw new ArgumentException($"{what} '{value}' must be a relative path with '/' separators and no '.', '..' or empty segments", what);
    }

    /// <summary>
    /// An ETag header as a blob file name: the weak prefix and quotes go (as huggingface_hub strips them); anything
    /// that is not a plain token is refused, because it becomes a file name under blobs/.
    /// </summary>
    public static string? NormalizeEtag(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
            return null;
        var etag = raw.Trim();
        if (etag.StartsWith("W/", StringComparison.Ordinal))
            etag = etag[2..];
        etag = etag.Trim('"');
        return EtagToken().IsMatch(etag) && etag is not ("." or "..") ? etag : null;
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256();

    [GeneratedRegex(@"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?/)?[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$")]
    private static partial Regex RepoId();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex EtagToken();
}
