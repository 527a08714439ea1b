using System.Net;

namespace RerankExperiments.Hub;

/// <summary>Turns a failed HTTP answer into the exception callers see: retryable, or a HubException that says what to do.</summary>
internal static class HubErrors
{
    public static void ThrowIfFailed(HttpResponseMessage response, Uri url, string what, bool tokenSent)
    {
        var status = response.StatusCode;
        if (response.IsSuccessStatusCode)
            return;
        if (HubTransport.IsTransientStatus(status))
            throw new TransientHubFailure($"HTTP {(int)status} from {url}");
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw Unauthorized(status, url, what, tokenSent);
        if (status == HttpStatusCode.NotFound)
            throw new HubException(HubErrorKind.EntryNotFound, $"{what}: HTTP 404 from {url}");
        throw new HubException(HubErrorKind.Protocol, $"{what}: unexpected HTTP {(int)status} from {url}");
    }

    public static HubException Unauthorized(HttpStatusCode status, Uri url, string what, bool tokenSent)
    {
        // Without a token the Hub answers 401 for private, gated and nonexistent repos alike.
        var advice = tokenSent
            ? "the token in use (HF_TOKEN or $HF_HOME/token) has no access: check the repo id, and for a gated repo accept its terms on the Hub"
            : "the repo is gated or private (or does not exist): set HF_TOKEN (or write a token to $HF_HOME/token) with access to it";
        return new HubException(HubErrorKind.Unauthorized, $"{what}: HTTP {(int)status} from {url}; {advice}");
    }
}
