using System.Globalization;
using System.Text;
using Cajal.Data;
using SkiaSharp;

namespace Cajal.Cli;

/// <summary>One grey image read for prediction: its name (file, or file#index for IDX) and 28×28 bytes.</summary>
/// <param name="Name">Where it came from.</param>
/// <param name="Pixels">Height × width grey bytes, 0 black to 255 white, row-major.</param>
internal sealed record GreyImage(string Name, byte[] Pixels);

/// <summary>
/// Reads images for <c>cajal predict</c>: PNG (decoded by SkiaSharp, colour converted to grey), PGM (P2 text or P5
/// binary, read here), or IDX (every image in the file). Images are not resized: a size other than the model's is an
/// error naming the file and its size. Like Fashion-MNIST, images should be light objects on a black background.
/// </summary>
internal static class ImageFiles
{
    /// <summary>Reads every image in <paramref name="path"/>, each <paramref name="side"/>×<paramref name="side"/>.</summary>
    public static IReadOnlyList<GreyImage> Read(string path, int side)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"image '{path}' does not exist.", path);
        var head = new byte[4];
        int headLength;
        using (var file = File.OpenRead(path)) headLength = file.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        if (headLength >= 2 && head[0] == 'P' && (head[1] == '2' || head[1] == '5'))
            return [Check(path, ReadPgm(path), side)];
        if (headLength >= 4 && head[0] == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G')
            return [Check(path, ReadPng(path), side)];
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || (headLength >= 2 && head[0] == 0 && head[1] == 0))
            return ReadIdx(path, side);
        throw new InvalidDataException($"image '{path}' is not a PNG, PGM (P2/P5) or IDX file.");
    }

    private static GreyImage Check(string path, (int Width, int Height, byte[] Pixels) image, int side) =>
        image.Width == side && image.Height == side
            ? new GreyImage(path, image.Pixels)
            : throw new InvalidDataException($"image '{path}' is {image.Width}×{image.Height} pixels; the model takes {side}×{side} grey images (resize it first; cajal does not resize).");

    private static (int, int, byte[]) ReadPng(string path)
    {
        using var bitmap = SKBitmap.Decode(path) ?? throw new InvalidDataException($"image '{path}': the PNG could not be decoded.");
        var pixels = new byte[bitmap.Width * bitmap.Height];
        for (int y = 0; y < bitmap.Height; y++)
        {
            for (int x = 0; x < bitmap.Width; x++)
            {
                // ITU-R BT.601 luma; transparent pixels count as black, the datasets' background.
                var c = bitmap.GetPixel(x, y);
                double grey = (0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue) * c.Alpha / 255.0;
                pixels[y * bitmap.Width + x] = (byte)Math.Clamp(Math.Round(grey), 0, 255);
            }
        }
        return (bitmap.Width, bitmap.Height, pixels);
    }

    /// <summary>Reads a PGM: "P2" (ASCII) or "P5" (binary), width, height, maxval (≤ 65535), '#' comments; scaled to 0…255.</summary>
    internal static (int Width, int Height, byte[] Pixels) ReadPgm(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int position = 2;
        bool binary = bytes[1] == '5';
        int width = HeaderNumber(bytes, ref position, path, "width");
        int height = HeaderNumber(bytes, ref position, path, "height");
        int maxValue = HeaderNumber(bytes, ref position, path, "maxval");
        if (width <= 0 || height <= 0 || width > 1 << 14 || height > 1 << 14 || maxValue <= 0 || maxValue > 65535)
            throw new InvalidDataException($"PGM '{path}': bad header (width {width}, height {height}, maxval {maxValue}).");
        var pixels = new byte[width * height];
        if (binary)
        {
            position++;   // the single whitespace byte after maxval
            int bytesPerValue = maxValue < 256 ? 1 : 2;
            long need = (long)pixels.Length * bytesPerValue;
            if (bytes.Length - position < need)
                throw new InvalidDataException($"PGM '{path}': truncated: {width}×{height} pixels need {need} bytes of data, found {Math.Max(0, bytes.Length - position)}.");
            for (int i = 0; i < pixels.Length; i++)
            {
                int value = bytesPerValue == 1 ? bytes[position + i] : (bytes[position + 2 * i] << 8) | bytes[position + 2 * i + 1];
                pixels[i] = Scale(value, maxValue, path);
            }
        }
        else
        {
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = Scale(HeaderNumber(bytes, ref position, path, $"pixel {i}"), maxValue, path);
        }
        return (width, height, pixels);
    }

    private static byte Scale(int value, int maxValue, string path) => value <= maxValue
        ? (byte)Math.Round(value * 255.0 / maxValue)
        : throw new InvalidDataException($"PGM '{path}': pixel value {value} exceeds maxval {maxValue}.");

    private static int HeaderNumber(byte[] bytes, ref int position, string path, string what)
    {
        while (position < bytes.Length && (char.IsWhiteSpace((char)bytes[position]) || bytes[position] == '#'))
        {
            if (bytes[position] == '#')
                while (position < bytes.Length && bytes[position] != '\n') position++;
            else
                position++;
        }
        var digits = new StringBuilder();
        while (position < bytes.Length && char.IsAsciiDigit((char)bytes[position])) digits.Append((char)bytes[position++]);
        if (digits.Length == 0 || !int.TryParse(digits.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            throw new InvalidDataException($"PGM '{path}': expected a number for the {what}{(position >= bytes.Length ? " but the file ended (truncated)" : "")}.");
        return value;
    }

    private static List<GreyImage> ReadIdx(string path, int side)
    {
        var idx = Idx.Read(path);
        // (N, H, W) holds N images; (H, W) is one.
        var (count, height, width) = idx.Dims.Length switch
        {
            3 => (idx.Dims[0], idx.Dims[1], idx.Dims[2]),
            2 => (1, idx.Dims[0], idx.Dims[1]),
            _ => throw new InvalidDataException($"IDX file '{path}' has dimensions {string.Join("×", idx.Dims)}; images need (count, height, width) or (height, width)."),
        };
        if (height != side || width != side)
            throw new InvalidDataException($"IDX file '{path}' holds {width}×{height} images; the model takes {side}×{side} grey images.");
        var images = new List<GreyImage>(count);
        for (int i = 0; i < count; i++)
            images.Add(new GreyImage($"{path}#{i.ToString(CultureInfo.InvariantCulture)}", idx.Data.AsSpan(i * side * side, side * side).ToArray()));
        return images;
    }
}
