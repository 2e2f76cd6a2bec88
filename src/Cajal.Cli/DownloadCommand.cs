using System.CommandLine;
using System.Globalization;
using Cajal.Data;

namespace Cajal.Cli;

/// <summary>Builds the <c>download</c> verb: fetches a dataset's four IDX files, checks their SHA-256 and writes them atomically.</summary>
/// <remarks>
/// Fashion-MNIST's digests are built in and its public mirror is the default base URL. Cajal knows no MNIST digests
/// or mirror, so <c>download mnist</c> needs both <c>--base-url</c> and <c>--sha256-file</c> (lines as <c>sha256sum</c>
/// prints them: digest, spaces, file name), a usage error otherwise. A digest file may also replace Fashion-MNIST's.
/// </remarks>
internal static class DownloadCommand
{
    /// <summary>Fashion-MNIST's public download location.</summary>
    public const string FashionMnistUrl = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

    private static readonly string[] FileNames =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    public static Command Create()
    {
        var dataset = new Argument<string>("dataset")
        {
            Description = "fashion-mnist or mnist",
            HelpName = "fashion-mnist|mnist",
        };
        dataset.AcceptOnlyFromAmong("fashion-mnist", "mnist");
        var to = new Option<string>("--to") { Description = "Folder to write the four .gz files to (created if missing)", HelpName = "DIR", Required = true };
        var baseUrl = new Option<Uri>("--base-url")
        {
            Description = $"Where the files are (default for fashion-mnist: {FashionMnistUrl}; required for mnist)",
            HelpName = "URL",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                    return uri;
                result.AddError($"--base-url expects an http or https URL, got '{text}'.");
                return null;
            },
        };
        var shaFile = new Option<string>("--sha256-file")
        {
            Description = "Expected SHA-256 digests, 'DIGEST  NAME' per line as sha256sum prints them (required for mnist)",
            HelpName = "FILE",
        };
        var command = new Command("download", "Download Fashion-MNIST (or MNIST from a mirror you name), verifying SHA-256")
        {
            dataset, to, baseUrl, shaFile,
        };
        command.Validators.Add(result =>
        {
            string? name;
            try { name = result.GetValue(dataset); }
            catch (InvalidOperationException) { return; }   // the argument's own error is reported
            if (name == "mnist" && (result.GetResult(baseUrl) is null || result.GetResult(shaFile) is null))
                result.AddError("download mnist needs --base-url URL and --sha256-file FILE: cajal ships no MNIST mirror or digests (Fashion-MNIST's are built in).");
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetRequiredValue(dataset);
            var destination = parse.GetRequiredValue(to);
            var files = parse.GetValue(shaFile) is { } digests ? ReadDigests(digests) : DatasetDownloader.FashionMnistFiles;
            var url = parse.GetValue(baseUrl) ?? new Uri(FashionMnistUrl);
            var error = parse.InvocationConfiguration.Error;
            var paths = await DatasetDownloader.DownloadAsync(url, files, destination,
                progress: file => error.WriteLine($"downloading {new Uri(url, file)}"), cancellationToken: cancellationToken).ConfigureAwait(false);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"{paths.Count} files of {name} in {Path.GetFullPath(destination)}, SHA-256 verified.");
            output.WriteLine($"Train with: cajal train --dataset {name} --data {destination}");
            return Program.Success;
        });
        return command;
    }

    /// <summary>Reads the four files' digests from a sha256sum-style list.</summary>
    internal static IReadOnlyList<DownloadFile> ReadDigests(string path)
    {
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || parts[0].Length != 64 || !parts[0].All(char.IsAsciiHexDigit))
                throw new InvalidDataException($"{path}:{lineNumber.ToString(CultureInfo.InvariantCulture)}: expected '<64 hex digits>  <file name>'.");
            digests[Path.GetFileName(parts[1].TrimStart('*').Trim())] = parts[0].ToLowerInvariant();
        }
        var missing = FileNames.Where(f => !digests.ContainsKey(f)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{path} has no digest for {string.Join(", ", missing)}.");
        return FileNames.Select(f => new DownloadFile(f, digests[f])).ToList();
    }
}
