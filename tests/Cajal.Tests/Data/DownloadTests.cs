using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Cajal.Data;

namespace Cajal.Tests.Data;

/// <summary>Downloads from an HTTP server on the loopback address that the test starts and stops.</summary>
public sealed class DownloadTests : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, byte[]> _files = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("cajal-dl-").FullName;
    private readonly Uri _base;
    private int _requests;

    public DownloadTests()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }
        _base = new Uri($"http://127.0.0.1:{port}/data/");
        _listener.Prefixes.Add(_base.AbsoluteUri);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _requests);
            var name = context.Request.Url!.Segments[^1];
            if (_files.TryGetValue(name, out var body))
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

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    [Fact]
    public async Task Files_with_matching_digests_are_written_and_not_fetched_again()
    {
        _files["a.gz"] = [1, 2, 3];
        _files["b.gz"] = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        var list = new[] { new DownloadFile("a.gz", Sha(_files["a.gz"])), new DownloadFile("b.gz", Sha(_files["b.gz"])) };
        var paths = await DatasetDownloader.DownloadAsync(_base, list, _dir);
        Assert.Equal(_files["b.gz"], File.ReadAllBytes(paths[1]));
        int before = _requests;
        await DatasetDownloader.DownloadAsync(_base, list, _dir);
        Assert.Equal(before, _requests);
        Assert.Equal(2, Directory.GetFiles(_dir).Length);   // no temporary files left
    }

    [Fact]
    public async Task A_wrong_digest_or_a_missing_file_fails_and_leaves_nothing_behind()
    {
        _files["c.gz"] = [9, 9, 9];
        var e = await Assert.ThrowsAsync<DownloadException>(() =>
            DatasetDownloader.DownloadAsync(_base, [new DownloadFile("c.gz", new string('0', 64))], _dir));
        Assert.Contains("SHA-256", e.Message);
        var e2 = await Assert.ThrowsAsync<DownloadException>(() =>
            DatasetDownloader.DownloadAsync(_base, [new DownloadFile("missing.gz", new string('0', 64))], _dir));
        Assert.Contains("404", e2.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
