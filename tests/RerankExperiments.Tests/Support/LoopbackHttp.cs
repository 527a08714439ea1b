using System.Net;
using System.Net.Sockets;

namespace RerankExperiments.Tests.Support;

/// <summary>What the fake HTTP servers share: a listener on a free 127.0.0.1 port and the accept loop.</summary>
internal static class LoopbackHttp
{
    /// <summary>A started listener on a free port of 127.0.0.1.</summary>
    public static (HttpListener Listener, int Port) StartListener()
    {
        // A free port from the OS, then bound by HttpListener; retried in the rare case another process takes it between.
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    /// <summary>Accepts requests until the listener stops; each is handled on the thread pool after <paramref name="accepted"/>.</summary>
    public static async Task ServeAsync(HttpListener listener, Func<HttpListenerContext, Task> handle, Action<HttpListenerContext>? accepted = null)
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            accepted?.Invoke(context);
            _ = Task.Run(async () =>
            {
                try
                {
                    await handle(context);
                }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
                {
                    // The client went away (or we aborted on purpose); nothing to answer.
                }
            });
        }
    }
}
