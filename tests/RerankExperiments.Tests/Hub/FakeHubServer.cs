using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Hub;

/// <summary>One request as the fake server saw it.</summary>
internal sealed record RecordedRequest(string Host, string Method, string Path, string? Authorization, string? Range);

/// <summary>
/// A Hub-shaped HTTP server on 127.0.0.1: /{repo}/resolve/{revision}/{file} answers with X-Repo-Commit and an ETag
/// (git SHA-1) for regular files, or X-Linked-Etag (SHA-256) + X-Linked-Size and a 302 to a second listener (the
/// "CDN", another port, so another origin) for LFS files; /api/models/{repo}/revision/{revision} lists files
/// (datasets: /datasets/{repo}/resolve/… and /api/datasets/{repo}/revision/…).
/// Switches make it require a token, fail with 503, drop one download halfway, or corrupt LFS bytes.
/// </summary>
internal sealed class FakeHubServer : IDisposable
{
    private readonly HttpListener _hub;
    private readonly HttpListener _cdn;
    private readonly ConcurrentDictionary<string, FakeRepo> _repos = new();
    private readonly ConcurrentDictionary<string, byte[]> _cdnBlobs = new();
    private int _dropNext;
    private int _failures;

    public FakeHubServer()
    {
        (_hub, HubPort) = LoopbackHttp.StartListener();
        (_cdn, CdnPort) = LoopbackHttp.StartListener();
        _ = ServeAsync(_hub, "hub", HandleHubAsync);
        _ = ServeAsync(_cdn, "cdn", HandleCdnAsync);
    }

    public int HubPort { get; }

    public int CdnPort { get; }

    public string Endpoint => $"http://127.0.0.1:{HubPort}";

    /// <summary>When set, hub requests without "Bearer {token}" get 401 (the CDN, like signed URLs, needs none).</summary>
    public string? RequiredToken { get; set; }

    /// <summary>Serve corrupted bytes for LFS files (one byte flipped), as a broken cache or proxy would.</summary>
    public bool CorruptLfs { get; set; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>The next full (non-Range) body is cut off after half its bytes, by aborting the connection.</summary>
    public void DropNextDownloadHalfway() => Volatile.Write(ref _dropNext, 1);

    /// <summary>The next <paramref name="count"/> hub requests get 503.</summary>
    public void FailNext(int count) => Volatile.Write(ref _failures, count);

    public FakeRepo AddRepo(string id) => _repos.GetOrAdd(id, key => new FakeRepo(key));

    /// <summary>A dataset repo: resolved under /datasets/{id}/resolve/… and listed under /api/datasets/{id}.</summary>
    public FakeRepo AddDataset(string id) => _repos.GetOrAdd("datasets/" + id, _ => new FakeRepo(id));

    public void Dispose()
    {
        _hub.Close();
        _cdn.Close();
    }

    private Task ServeAsync(HttpListener listener, string host, Func<HttpListenerContext, Task> handle) =>
        LoopbackHttp.ServeAsync(listener, handle, context =>
        {
            var request = context.Request;
            Requests.Enqueue(new RecordedRequest(host, request.HttpMethod, request.RawUrl ?? "", request.Headers["Authorization"], request.Headers["Range"]));
        });

    private async Task HandleHubAsync(HttpListenerContext context)
    {
        var response = context.Response;
        if (Interlocked.Decrement(ref _failures) >= 0)
        {
            Finish(response, HttpStatusCode.ServiceUnavailable);
            return;
        }
        Interlocked.Exchange(ref _failures, 0);
        if (RequiredToken is { } token && context.Request.Headers["Authorization"] != $"Bearer {token}")
        {
            response.Headers["X-Error-Code"] = "GatedRepo";
            Finish(response, HttpStatusCode.Unauthorized);
            return;
        }

        var path = (context.Request.RawUrl ?? "").Split('?')[0];
        if (path.StartsWith("/api/models/", StringComparison.Ordinal))
        {
            await ListAsync(context, path["/api/models/".Length..]);
            return;
        }
        if (path.StartsWith("/api/datasets/", StringComparison.Ordinal))
        {
            await ListAsync(context, "datasets/" + path["/api/datasets/".Length..]);
            return;
        }
        var resolve = path.IndexOf("/resolve/", StringComparison.Ordinal);
        if (resolve < 0)
        {
            Finish(response, HttpStatusCode.NotFound);
            return;
        }
        var repoId = path[1..resolve];
        var rest = path[(resolve + "/resolve/".Length)..].Split('/');
        var revision = Uri.UnescapeDataString(rest[0]);
        var filename = string.Join('/', rest.Skip(1).Select(Uri.UnescapeDataString));
        if (!_repos.TryGetValue(repoId, out var repo))
        {
            response.Headers["X-Error-Code"] = "RepositoryNotFound";
            Finish(response, HttpStatusCode.NotFound);
            return;
        }
        if (repo.ResolveRevision(revision) is not { } commit)
        {
            response.Headers["X-Error-Code"] = "RevisionNotFound";
            Finish(response, HttpStatusCode.NotFound);
            return;
        }
        response.Headers["X-Repo-Commit"] = commit;
        if (!repo.Files(commit).TryGetValue(filename, out var file))
        {
            response.Headers["X-Error-Code"] = "EntryNotFound";
            Finish(response, HttpStatusCode.NotFound);
            return;
        }
        if (file.Lfs)
        {
            _cdnBlobs[file.Sha256] = file.Content;
            response.Headers["ETag"] = $"\"{file.GitSha1}\"";
            response.Headers["X-Linked-Etag"] = $"\"{file.Sha256}\"";
            response.Headers["X-Linked-Size"] = file.Content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.RedirectLocation = $"http://127.0.0.1:{CdnPort}/cdn/{file.Sha256}";
            Finish(response, HttpStatusCode.Found);
            return;
        }
        response.Headers["ETag"] = $"\"{file.GitSha1}\"";
        await ServeBytesAsync(context, file.Content);
    }

    private async Task HandleCdnAsync(HttpListenerContext context)
    {
        var sha = (context.Request.RawUrl ?? "").Split('/').Last();
        if (!_cdnBlobs.TryGetValue(sha, out var content))
        {
            Finish(context.Response, HttpStatusCode.NotFound);
            return;
        }
        if (CorruptLfs)
        {
            content = [.. content];
            content[content.Length / 2] ^= 0xFF;
        }
        await ServeBytesAsync(context, content);
    }

    private async Task ListAsync(HttpListenerContext context, string rest)
    {
        var marker = rest.IndexOf("/revision/", StringComparison.Ordinal);
        var repoId = marker < 0 ? rest : rest[..marker];
        var revision = marker < 0 ? "main" : Uri.UnescapeDataString(rest[(marker + "/revision/".Length)..]);
        if (!_repos.TryGetValue(repoId, out var repo) || repo.ResolveRevision(revision) is not { } commit)
        {
            Finish(context.Response, HttpStatusCode.NotFound);
            return;
        }
        var listing = new { sha = commit, siblings = repo.Files(commit).Keys.Select(name => new { rfilename = name }) };
        context.Response.ContentType = "application/json";
        await ServeBytesAsync(context, JsonSerializer.SerializeToUtf8Bytes(listing));
    }

    /// <summary>A body with "Range: bytes=N-" support, and the one-shot connection drop.</summary>
    private async Task ServeBytesAsync(HttpListenerContext context, byte[] content)
    {
        var response = context.Response;
        var start = 0L;
        if (context.Request.Headers["Range"] is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (start >= content.Length)
            {
                response.Headers["Content-Range"] = $"bytes */{content.Length}";
                Finish(response, HttpStatusCode.RequestedRangeNotSatisfiable);
                return;
            }
            response.StatusCode = (int)HttpStatusCode.PartialContent;
            response.Headers["Content-Range"] = $"bytes {start}-{content.Length - 1}/{content.Length}";
        }
        response.ContentLength64 = content.Length - start;
        if (context.Request.HttpMethod == "HEAD")
        {
            response.Close();
            return;
        }
        if (start == 0 && Interlocked.Exchange(ref _dropNext, 0) == 1)
        {
            await response.OutputStream.WriteAsync(content.AsMemory(0, content.Length / 2));
            await response.OutputStream.FlushAsync();
            await Task.Delay(50);
            response.Abort();
            return;
        }
        await response.OutputStream.WriteAsync(content.AsMemory((int)start));
        response.Close();
    }

    private static void Finish(HttpListenerResponse response, HttpStatusCode status)
    {
        response.StatusCode = (int)status;
        response.ContentLength64 = 0;
        response.Close();
    }
}
