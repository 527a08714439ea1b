using System.Buffers;
using System.Net;
using System.Security.Cryptography;

namespace RerankExperiments.Hub;

/// <summary>
/// Streams a blob to its .incomplete file, resuming with "Range: bytes=N-" from whatever an earlier attempt (or an
/// earlier process) left there, then checks the size and, for LFS blobs, the SHA-256 the ETag promises.
/// </summary>
internal static class BlobDownloader
{
    private const int BufferSize = 1 << 16;

    public static Task DownloadAsync(HubTransport transport, HubFileMetadata metadata, string incompletePath, string displayName, CancellationToken cancellationToken) =>
        transport.RetryAsync(metadata.DownloadUri, async token =>
        {
            await DownloadAttemptAsync(transport, metadata, incompletePath, displayName, token).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private static async Task DownloadAttemptAsync(HubTransport transport, HubFileMetadata metadata, string incompletePath, string displayName, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(incompletePath)!);
        using var hash = metadata.IsLfs ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        await using (var file = new FileStream(incompletePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, BufferSize, useAsync: true))
        {
            var have = file.Length;
            if (metadata.Size is { } size && have > size)
            {
                file.SetLength(0);
                have = 0;
            }
            // A partial file that already holds every byte (the process died before the rename) needs no request.
            if (have == 0 || have != metadata.Size)
                have = await FetchRemainderAsync(transport, metadata, file, have, displayName, cancellationToken).ConfigureAwait(false);
            // The finished file is hashed rather than the stream, so bytes kept from earlier attempts are checked too.
            if (hash is not null)
            {
                file.Position = 0;
                await HashStreamAsync(file, hash, cancellationToken).ConfigureAwait(false);
            }
        }
        Verify(metadata, incompletePath, hash, displayName);
    }

    /// <summary>Appends the missing bytes from <paramref name="have"/> on; returns the file's final length.</summary>
    private static async Task<long> FetchRemainderAsync(HubTransport transport, HubFileMetadata metadata, FileStream file, long have, string displayName, CancellationToken cancellationToken)
    {
        using var response = await transport.SendAsync(HttpMethod.Get, metadata.DownloadUri, have, followAbsoluteRedirects: true, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The partial file does not fit what the server has (the blob changed, or it is corrupt): start over.
            file.SetLength(0);
            throw new TransientHubFailure($"server refused to resume {displayName} at byte {have}");
        }
        HubErrors.ThrowIfFailed(response, metadata.DownloadUri, displayName, transport.HasToken);
        var resumed = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have;
        if (!resumed)
        {
            // A full answer (the server ignores Range, or we asked for none) replaces whatever was there.
            file.SetLength(0);
            have = 0;
        }
        file.Position = have;
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var chunkTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                chunkTimeout.CancelAfter(transport.Options.ReadTimeout);
                var read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), chunkTimeout.Token).ConfigureAwait(false);
                if (read == 0)
                    break;
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            // Whatever arrived stays on disk for the next attempt's Range request.
            await file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        if (metadata.Size is { } size && file.Length < size)
            throw new TransientHubFailure($"{displayName}: the connection ended after {file.Length} of {size} bytes");
        return file.Length;
    }

    private static async Task HashStreamAsync(Stream stream, IncrementalHash hash, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                hash.AppendData(buffer, 0, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Verify(HubFileMetadata metadata, string incompletePath, IncrementalHash? hash, string displayName)
    {
        var length = new FileInfo(incompletePath).Length;
        string? problem = null;
        if (metadata.Size is { } size && length != size)
            problem = $"downloaded {length} bytes, expected {size}";
        else if (hash is not null && Convert.ToHexStringLower(hash.GetHashAndReset()) is var actual && actual != metadata.Etag)
            problem = $"content SHA-256 is {actual}, expected {metadata.Etag}";
        if (problem is null)
            return;
        // A corrupt partial file would otherwise be resumed, and stay corrupt, on every later attempt.
        File.Delete(incompletePath);
        throw new HubException(HubErrorKind.Integrity, $"{displayName}: {problem} (from {metadata.DownloadUri}); the partial download was deleted");
    }
}
