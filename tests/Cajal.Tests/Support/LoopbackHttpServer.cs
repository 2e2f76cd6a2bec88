using System.Net;
using System.Net.Sockets;

namespace Cajal.Tests.Support;

/// <summary>A file server on 127.0.0.1 at a free port that a test starts and disposes; 404 for unknown names.</summary>
public sealed class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private int _requests;

    /// <summary>Starts serving <see cref="Files"/> under http://127.0.0.1:PORT/<paramref name="folder"/>/.</summary>
    public LoopbackHttpServer(string folder)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }
        BaseUri = new Uri($"http://127.0.0.1:{port}/{folder}/");
        _listener.Prefixes.Add(BaseUri.AbsoluteUri);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    /// <summary>The URL the file names are appended to.</summary>
    public Uri BaseUri { get; }

    /// <summary>The files served, by name.</summary>
    public Dictionary<string, byte[]> Files { get; } = [];

    /// <summary>Requests answered so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }   // the listener was stopped
            Interlocked.Increment(ref _requests);
            var name = context.Request.Url!.Segments[^1];
            if (Files.TryGetValue(name, out var body))
            {
                context.Response.StatusCode = 200;
                await context.Response.OutputStream.WriteAsync(body);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
            context.Response.Close();
        }
    }

    /// <summary>Stops the server.</summary>
    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
