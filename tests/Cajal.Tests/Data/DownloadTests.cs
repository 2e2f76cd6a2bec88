using System.Security.Cryptography;
using Cajal.Data;
using Cajal.Tests.Support;

namespace Cajal.Tests.Data;

/// <summary>Downloads from an HTTP server on the loopback address that the test starts and stops.</summary>
public sealed class DownloadTests : IDisposable
{
    private readonly LoopbackHttpServer _server = new("data");
    private readonly string _dir = Directory.CreateTempSubdirectory("cajal-dl-").FullName;

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    [Fact]
    public async Task Files_with_matching_digests_are_written_and_not_fetched_again()
    {
        _server.Files["a.gz"] = [1, 2, 3];
        _server.Files["b.gz"] = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        var list = new[] { new DownloadFile("a.gz", Sha(_server.Files["a.gz"])), new DownloadFile("b.gz", Sha(_server.Files["b.gz"])) };
        var paths = await DatasetDownloader.DownloadAsync(_server.BaseUri, list, _dir);
        Assert.Equal(_server.Files["b.gz"], File.ReadAllBytes(paths[1]));
        int before = _server.Requests;
        await DatasetDownloader.DownloadAsync(_server.BaseUri, list, _dir);
        Assert.Equal(before, _server.Requests);
        Assert.Equal(2, Directory.GetFiles(_dir).Length);   // no temporary files left
    }

    [Fact]
    public async Task A_wrong_digest_or_a_missing_file_fails_and_leaves_nothing_behind()
    {
        _server.Files["c.gz"] = [9, 9, 9];
        var e = await Assert.ThrowsAsync<DownloadException>(() =>
            DatasetDownloader.DownloadAsync(_server.BaseUri, [new DownloadFile("c.gz", new string('0', 64))], _dir));
        Assert.Contains("SHA-256", e.Message);
        var e2 = await Assert.ThrowsAsync<DownloadException>(() =>
            DatasetDownloader.DownloadAsync(_server.BaseUri, [new DownloadFile("missing.gz", new string('0', 64))], _dir));
        Assert.Contains("404", e2.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
