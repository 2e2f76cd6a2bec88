using System.Security.Cryptography;

namespace Cajal.Data;

/// <summary>A file to fetch: its name under the base URL and its expected SHA-256 (lower-case hex).</summary>
/// <param name="Name">The file name, appended to the base URL.</param>
/// <param name="Sha256">The expected SHA-256 digest as 64 hex digits.</param>
public sealed record DownloadFile(string Name, string Sha256);

/// <summary>Thrown when a download fails or its checksum does not match; nothing is left at the destination.</summary>
public sealed class DownloadException : IOException
{
    /// <summary>Creates the exception.</summary>
    public DownloadException(string message) : base(message) { }

    /// <summary>Creates the exception with no message.</summary>
    public DownloadException() { }

    /// <summary>Creates the exception with an inner exception.</summary>
    public DownloadException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>Downloads dataset files from a configurable base URL, verifies their SHA-256 and writes them atomically.</summary>
/// <remarks>
/// Each file goes to a temporary name in the destination folder, is hashed while it streams, and is renamed
/// into place only when the digest matches; a file already present with the right digest is kept.
/// </remarks>
public static class DatasetDownloader
{
    /// <summary>Fashion-MNIST's four gzip IDX files with their SHA-256 digests.</summary>
    public static IReadOnlyList<DownloadFile> FashionMnistFiles { get; } =
    [
        new("train-images-idx3-ubyte.gz", "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
        new("train-labels-idx1-ubyte.gz", "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
        new("t10k-images-idx3-ubyte.gz", "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
        new("t10k-labels-idx1-ubyte.gz", "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
    ];

    /// <summary>Fetches every file into <paramref name="destination"/>; returns the paths.</summary>
    /// <param name="baseUrl">The URL the file names are appended to (a trailing slash is added if missing).</param>
    /// <param name="files">The files and their digests.</param>
    /// <param name="destination">The folder to write to (created if missing).</param>
    /// <param name="client">The HTTP client to use (a new one when null).</param>
    /// <param name="progress">Called with each file name as it starts.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    public static async Task<IReadOnlyList<string>> DownloadAsync(Uri baseUrl, IReadOnlyList<DownloadFile> files, string destination,
        HttpClient? client = null, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentNullException.ThrowIfNull(files);
        Directory.CreateDirectory(destination);
        var baseWithSlash = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        var ownClient = client is null ? new HttpClient { Timeout = TimeSpan.FromMinutes(10) } : null;
        var http = client ?? ownClient!;
        var paths = new List<string>();
        try
        {
            foreach (var file in files)
            {
                var target = Path.Combine(destination, file.Name);
                paths.Add(target);
                if (File.Exists(target) && await HashFileAsync(target, cancellationToken).ConfigureAwait(false) == file.Sha256) continue;
                progress?.Invoke(file.Name);
                var url = new Uri(baseWithSlash, file.Name);
                var temp = target + $".download-{Environment.ProcessId}";
                try
                {
                    string digest;
                    using (var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false))
                    {
                        if (!response.IsSuccessStatusCode)
                            throw new DownloadException($"download of {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
                        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                        await using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write))
                        await using (var input = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
                        {
                            var buffer = new byte[81920];
                            int read;
                            while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                            {
                                sha.AppendData(buffer, 0, read);
                                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                            }
                            output.Flush(flushToDisk: true);
                        }
                        digest = Convert.ToHexStringLower(sha.GetHashAndReset());
                    }
                    if (digest != file.Sha256)
                        throw new DownloadException($"download of {url}: SHA-256 is {digest}, expected {file.Sha256}; the file was discarded.");
                    File.Move(temp, target, overwrite: true);
                }
                catch (HttpRequestException e)
                {
                    throw new DownloadException($"download of {url} failed: {e.Message}", e);
                }
                finally
                {
                    if (File.Exists(temp)) File.Delete(temp);
                }
            }
        }
        finally
        {
            ownClient?.Dispose();
        }
        return paths;
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
