using Cajal.Cli;
using Cajal.Io;
using SkiaSharp;

namespace Cajal.Tests.Cli;

/// <summary>Small helpers for the train, eval and predict tests: temporary folders, quick runs, pixel checks.</summary>
internal static class TrainTestSupport
{
    /// <summary>The fastest useful run: the MLP on the first images of the embedded subset.</summary>
    public static string[] Quick(string outDir, int epochs = 1, int limit = 128, params string[] more) =>
        ["train", "--model", "mlp", "--dataset", "embedded", "--limit", $"{limit}", "--epochs", $"{epochs}", "--out", outDir, .. more];

    /// <summary>Runs the CLI in-process with hooks (cancellation, extra callbacks).</summary>
    public static CliRunner.Outcome Run(CliHooks hooks, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr, hooks);
        return new CliRunner.Outcome(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Pixels that are clearly dark (text, lines) in rows [top, bottom).</summary>
    public static int DarkPixels(SKBitmap bitmap, int top, int bottom)
    {
        int dark = 0;
        for (int y = top; y < Math.Min(bottom, bitmap.Height); y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var p = bitmap.GetPixel(x, y);
                if (p.Red < 96 && p.Green < 96 && p.Blue < 96) dark++;
            }
        return dark;
    }

    /// <summary>Pixels of the given strong colour (within a tolerance).</summary>
    public static int PixelsLike(SKBitmap bitmap, SKColor colour, int tolerance = 40)
    {
        int count = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var p = bitmap.GetPixel(x, y);
                if (Math.Abs(p.Red - colour.Red) <= tolerance && Math.Abs(p.Green - colour.Green) <= tolerance && Math.Abs(p.Blue - colour.Blue) <= tolerance)
                    count++;
            }
        return count;
    }

    /// <summary>The metadata of a safetensors file.</summary>
    public static IReadOnlyDictionary<string, string> Metadata(string path) => SafeTensors.ReadHeader(path).Metadata;
}

/// <summary>A temporary folder deleted at the end of a test.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cajal-cli-").FullName;

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
