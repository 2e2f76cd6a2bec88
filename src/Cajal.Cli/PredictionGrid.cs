using Cajal.Data;
using Cajal.Io;
using Cajal.Training;
using SkiaSharp;

namespace Cajal.Cli;

/// <summary>A PNG grid of test images, each labelled with the predicted and the true class; mistakes in red.</summary>
internal static class PredictionGrid
{
    public const int Columns = 8, Rows = 6, Scale = 4, CellWidth = 140, CellHeight = 28 * Scale + 44, TitleHeight = 40;

    /// <summary>Predicts the first Columns × Rows test images and draws them.</summary>
    public static void Save(string path, Trainer trainer, ByteImageDataset test, string title)
    {
        int count = Math.Min(Columns * Rows, test.Count);
        var samples = Enumerable.Range(0, count).Select(test.Get).ToList();
        var batch = DataLoader.Collate(samples, test.Channels, test.Height, test.Width);
        var predicted = trainer.PredictProbabilities(batch.Images).ArgMax(1).ToArray<long>();

        using var typeface = EmbeddedFonts.Typeface(bold: false);
        using var boldface = EmbeddedFonts.Typeface(bold: true);
        using var surface = SKSurface.Create(new SKImageInfo(Columns * CellWidth, TitleHeight + Rows * CellHeight));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { IsAntialias = true, Color = SKColors.Black };
        using var red = new SKPaint { IsAntialias = true, Color = new SKColor(0xD0, 0x10, 0x10) };
        using var green = new SKPaint { IsAntialias = true, Color = new SKColor(0x10, 0x80, 0x20) };
        using var border = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = 4, Color = red.Color };
        using var titleFont = new SKFont(boldface, 18);
        using var font = new SKFont(typeface, 13);
        int wrong = 0;
        for (int i = 0; i < count; i++) wrong += predicted[i] == test.Label(i) ? 0 : 1;
        canvas.DrawText($"{title}: first {count} test images, predicted / true ({wrong} wrong, in red)", 10, 26, SKTextAlign.Left, titleFont, text);

        for (int i = 0; i < count; i++)
        {
            int x = (i % Columns) * CellWidth, y = TitleHeight + (i / Columns) * CellHeight;
            int left = x + (CellWidth - 28 * Scale) / 2;
            using (var image = Image(test.ImageBytes(i), test.Width, test.Height))
                canvas.DrawImage(image, new SKRect(left, y + 4, left + 28 * Scale, y + 4 + 28 * Scale), new SKSamplingOptions(SKFilterMode.Nearest));
            int truth = test.Label(i), guess = (int)predicted[i];
            bool right = truth == guess;
            if (!right) canvas.DrawRect(left - 2, y + 2, 28 * Scale + 4, 28 * Scale + 4, border);
            float textX = x + CellWidth / 2f;
            canvas.DrawText(Name(test, guess), textX, y + 28 * Scale + 21, SKTextAlign.Center, font, right ? green : red);
            canvas.DrawText(Name(test, truth), textX, y + 28 * Scale + 38, SKTextAlign.Center, font, text);
        }
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, png.AsSpan());
    }

    private static string Name(ByteImageDataset data, int label) => label < data.ClassNames.Count ? data.ClassNames[label] : $"class {label}";

    private static SKImage Image(ReadOnlySpan<byte> pixels, int width, int height)
    {
        var info = new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        pixels.CopyTo(bitmap.GetPixelSpan());
        return SKImage.FromBitmap(bitmap);
    }
}
