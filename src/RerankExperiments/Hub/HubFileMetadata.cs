namespace RerankExperiments.Hub;

/// <summary>
/// What the metadata request says about a file: the commit the revision resolved to, the blob's ETag (git SHA-1
/// for regular files, SHA-256 for LFS files), its size when announced, and where its bytes are (the CDN for LFS).
/// </summary>
internal sealed record HubFileMetadata(string Commit, string Etag, long? Size, Uri DownloadUri)
{
    /// <summary>LFS files are named by the SHA-256 of their content, which makes the download checkable.</summary>
    public bool IsLfs => HubNames.IsSha256(Etag);
}
