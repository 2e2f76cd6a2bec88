using System.Security.Cryptography;
using Cajal.Cli;
using Cajal.Data;
using Cajal.Tests.Support;

namespace Cajal.Tests.Cli;

/// <summary>cajal download against a loopback HTTP server, and the messages for missing or damaged data.</summary>
public sealed class DataVerbTests : IDisposable
{
    private static readonly string[] Names =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    private readonly LoopbackHttpServer _server = new("mirror");
    private readonly Dictionary<string, byte[]> _files;
    private readonly Uri _base;

    public DataVerbTests()
    {
        _files = _server.Files;
        _base = _server.BaseUri;
        // The embedded subset's files stand in for the real ones.
        foreach (var name in Names)
        {
            using var stream = typeof(Program).Assembly.GetManifestResourceStream("Cajal.Cli.EmbeddedData." + name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            _files[name] = copy.ToArray();
        }
    }

    public void Dispose() => _server.Dispose();

    private string Sums(TempFolder dir, bool wrong = false)
    {
        var path = dir["SHA256SUMS"];
        File.WriteAllLines(path, Names.Select(n => $"{(wrong ? new string('0', 64) : Convert.ToHexStringLower(SHA256.HashData(_files[n])))}  {n}"));
        return path;
    }

    [Fact]
    public void Download_verifies_digests_and_the_files_train()
    {
        using var dir = new TempFolder();
        var data = dir["data"];
        var run = CliRunner.Run("download", "fashion-mnist", "--to", data, "--base-url", _base.AbsoluteUri, "--sha256-file", Sums(dir));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("4 files of fashion-mnist", run.Stdout);
        Assert.Contains($"cajal train --dataset fashion-mnist --data {data}", run.Stdout);
        Assert.Equal(Names.Order(), Directory.GetFiles(data).Select(Path.GetFileName).Order());

        // Without --dataset, a Fashion-MNIST found through --data is used, and the header says so.
        var train = CliRunner.Run("train", "--model", "mlp", "--data", data, "--limit", "64", "--epochs", "1", "--out", dir["run"], "--no-plots");
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains($"Training mlp on Fashion-MNIST (64 training, 500 test images): no --dataset given and the full Fashion-MNIST is installed in {data}", train.Stdout);
    }

    [Fact]
    public void A_wrong_digest_is_a_runtime_error_and_leaves_no_file()
    {
        using var dir = new TempFolder();
        var run = CliRunner.Run("download", "fashion-mnist", "--to", dir["data"], "--base-url", _base.AbsoluteUri, "--sha256-file", Sums(dir, wrong: true));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("SHA-256", run.Stderr);
        Assert.Empty(Directory.GetFiles(dir["data"]));
    }

    [Fact]
    public void Mnist_download_needs_a_mirror_and_digests()
    {
        using var dir = new TempFolder();
        var run = CliRunner.Run("download", "mnist", "--to", dir["data"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("needs --base-url URL and --sha256-file FILE", run.Stderr);

        var ok = CliRunner.Run("download", "mnist", "--to", dir["data"], "--base-url", _base.AbsoluteUri, "--sha256-file", Sums(dir));
        Assert.True(ok.ExitCode == 0, ok.Stderr);
    }

    [Fact]
    public void A_missing_dataset_says_how_to_get_it_in_one_line()
    {
        using var dir = new TempFolder();
        if (MnistFamily.Locate("mnist", dir.Path) is not null) return;   // MNIST is installed here after all
        var run = CliRunner.Run("train", "--dataset", "mnist", "--data", dir.Path, "--out", dir["run"]);

        Assert.Equal(1, run.ExitCode);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("cajal: error: MNIST was not found. Looked in: ", lines[0]);
        Assert.Contains("--data DIR", lines[0]);
        Assert.Contains("cajal download mnist --to DIR", lines[0]);
    }

    [Fact]
    public void A_truncated_idx_file_is_named_with_its_expected_size()
    {
        using var dir = new TempFolder();
        foreach (var name in Names)
        {
            using var input = new System.IO.Compression.GZipStream(new MemoryStream(_files[name]), System.IO.Compression.CompressionMode.Decompress);
            using var raw = new MemoryStream();
            input.CopyTo(raw);
            var bytes = raw.ToArray();
            if (name.StartsWith("train-images", StringComparison.Ordinal)) bytes = bytes[..(bytes.Length - 1000)];
            File.WriteAllBytes(dir[name[..^3]], bytes);   // raw IDX, so the length is known up front
        }
        var run = CliRunner.Run("train", "--dataset", "fashion-mnist", "--data", dir.Path, "--out", dir["run"]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("cajal: error: IDX file '", run.Stderr);
        Assert.Contains("train-images-idx3-ubyte': dimensions 2000×28×28 need 1568016 bytes, but the file has 1567016 (truncated)", run.Stderr);
    }
}
