using System.Globalization;
using Cajal.Detection;
using Cajal.Io;
using SkiaSharp;

namespace Cajal.Cli;

/// <summary>A PNG grid of held-out images with the detector's boxes, class names and scores drawn, and the ground truth dashed.</summary>
internal static class DetectionGrid
{
    public const int Columns = 4, Rows = 3, Scale = 3, Padding = 10, CaptionHeight = 22, TitleHeight = 50;

    /// <summary>Detections scored below this are not drawn.</summary>
    public const double DrawScoreThreshold = 0.5;

    /// <summary>A detection overlapping a better-scored drawn one of any class by more than this IoU is not drawn.</summary>
    public const double DrawOverlap = 0.45;

    /// <summary>Outline and tag colour of each class: rectangle orange, ellipse cyan, triangle pink.</summary>
    public static readonly SKColor[] ClassColours = [new(0xFF, 0xA0, 0x00), new(0x00, 0xE0, 0xFF), new(0xFF, 0x50, 0xC8)];

    /// <summary>Draws the first Columns × Rows images of <paramref name="test"/> with their detections.</summary>
    public static void Save(string path, ShapesDataset test, IReadOnlyList<IReadOnlyList<DetectedBox>> detections, string title, double map50)
    {
        int count = Math.Min(Columns * Rows, test.Count);
        int side = test.ImageSize * Scale, cellWidth = side + Padding, cellHeight = side + CaptionHeight + Padding;
        int rows = Math.Max(1, (count + Columns - 1) / Columns);
        using var typeface = EmbeddedFonts.Typeface(bold: false);
        using var boldface = EmbeddedFonts.Typeface(bold: true);
        using var surface = SKSurface.Create(new SKImageInfo(Padding + Columns * cellWidth, TitleHeight + rows * cellHeight));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { IsAntialias = true, Color = SKColors.Black };
        using var titleFont = new SKFont(boldface, 16);
        using var font = new SKFont(typeface, 13);
        using var tagFont = new SKFont(boldface, 12);
        canvas.DrawText(string.Create(CultureInfo.InvariantCulture, $"{title}: mAP@0.5 {map50:F3} on {test.Count} held-out images"),
            Padding, 22, SKTextAlign.Left, titleFont, text);
        canvas.DrawText(string.Create(CultureInfo.InvariantCulture,
            $"Boxes: detections with score ≥ {DrawScoreThreshold:F2}, labelled class and score, one per object (the best; others with IoU > {DrawOverlap:F2} not drawn); dashed white: ground truth."), Padding, 42, SKTextAlign.Left, font, text);

        using var truthPen = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = 1, Color = SKColors.White, PathEffect = SKPathEffect.CreateDash([4, 3], 0) };
        for (int i = 0; i < count; i++)
        {
            float left = Padding + (i % Columns) * cellWidth, top = TitleHeight + (i / Columns) * cellHeight;
            using (var image = Image(test.ImageBytes(i), test.ImageSize))
                canvas.DrawImage(image, new SKRect(left, top, left + side, top + side), new SKSamplingOptions(SKFilterMode.Nearest));
            foreach (var truth in test.Boxes(i))
                canvas.DrawRect(Rect(truth.Box, left, top, side), truthPen);
            var shown = Shown(detections[i]);
            foreach (var d in Enumerable.Reverse(shown))   // the best last, so that its tag is on top
            {
                var colour = ClassColours[d.Class % ClassColours.Length];
                using var pen = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = 2, Color = colour, IsAntialias = true };
                var rect = Rect(d.Box, left, top, side);
                canvas.Save();
                canvas.ClipRect(new SKRect(left, top, left + side, top + side));
                canvas.DrawRect(rect, pen);
                Tag(canvas, string.Create(CultureInfo.InvariantCulture, $"{Name(d.Class)} {d.Score:F2}"), rect, colour, tagFont, left, top, side);
                canvas.Restore();
            }
            int objects = test.Boxes(i).Count;
            canvas.DrawText(string.Create(CultureInfo.InvariantCulture,
                $"image {i}: {objects} object{(objects == 1 ? "" : "s")}, {shown.Count} detection{(shown.Count == 1 ? "" : "s")}"),
                left + side / 2f, top + side + 16, SKTextAlign.Center, font, text);
        }
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, png.AsSpan());
    }

    /// <summary>
    /// What the picture draws: detections above <see cref="DrawScoreThreshold"/>, by descending score, without those that
    /// overlap a better one of any class. mAP counts every detection; per-class NMS keeps e.g. a weaker "triangle" on an
    /// ellipse that is also found as "ellipse", and drawing both would bury the better label.
    /// </summary>
    internal static List<DetectedBox> Shown(IReadOnlyList<DetectedBox> detections)
    {
        var shown = new List<DetectedBox>();
        foreach (var d in detections.Where(d => d.Score >= DrawScoreThreshold).OrderByDescending(d => d.Score))
            if (shown.All(s => Boxes.Iou(s.Box, d.Box) <= DrawOverlap)) shown.Add(d);
        return shown;
    }

    private static string Name(int cls) => cls < ShapesDataset.ClassNames.Count ? ShapesDataset.ClassNames[cls] : $"class {cls}";

    private static SKRect Rect(Box box, float left, float top, int side) => new(
        left + (float)((box.Cx - box.W / 2) * side), top + (float)((box.Cy - box.H / 2) * side),
        left + (float)((box.Cx + box.W / 2) * side), top + (float)((box.Cy + box.H / 2) * side));

    /// <summary>A filled tag with the label above the box's top-left corner (inside the box when there is no room above).</summary>
    private static void Tag(SKCanvas canvas, string label, SKRect box, SKColor colour, SKFont font, float left, float top, int side)
    {
        float width = font.MeasureText(label) + 6, height = 15;
        float x = Math.Clamp(box.Left, left, left + side - width);
        float y = box.Top - height >= top ? box.Top - height : box.Top;
        using var fill = new SKPaint { Color = colour, Style = SKPaintStyle.Fill };
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawRect(x, y, width, height, fill);
        canvas.DrawText(label, x + 3, y + 11.5f, SKTextAlign.Left, font, ink);
    }

    private static SKImage Image(ReadOnlySpan<byte> planar, int size)
    {
        int plane = size * size;
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        for (int p = 0; p < plane; p++)
        {
            pixels[4 * p] = planar[p];
            pixels[4 * p + 1] = planar[plane + p];
            pixels[4 * p + 2] = planar[2 * plane + p];
            pixels[4 * p + 3] = 255;
        }
        return SKImage.FromBitmap(bitmap);
    }
}
