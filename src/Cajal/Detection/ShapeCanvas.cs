namespace Cajal.Detection;

/// <summary>Draws one image of <see cref="ShapesDataset"/>: background, noise and shapes, rasterised here.</summary>
internal static class ShapeCanvas
{
    private const int PlacementTries = 30;

    /// <summary>Draws one canvas from <paramref name="rng"/>: planar RGB bytes and the boxes of what was drawn.</summary>
    public static (byte[] Pixels, GroundTruthBox[] Boxes) Draw(ShapesOptions options, Generator rng)
    {
        int size = options.ImageSize, plane = size * size;
        // Work in floats 0…255 per channel, planar (c, y, x); quantise once at the end.
        var canvas = new float[3 * plane];
        double grey = 15 + 55 * rng.NextDouble();
        for (int c = 0; c < 3; c++)
        {
            float tint = (float)(grey + 24 * (rng.NextDouble() - 0.5));
            Array.Fill(canvas, tint, c * plane, plane);
        }

        int wanted = (int)rng.NextInt64(options.MinObjects, options.MaxObjects + 1);
        var placed = new List<(int X0, int Y0, int X1, int Y1)>();   // inclusive pixel extents
        var boxes = new List<GroundTruthBox>();
        for (int n = 0; n < wanted; n++)
        {
            var kind = (ShapeKind)rng.NextInt64(0, ShapesDataset.ClassNames.Count);
            var (r, g, b) = ShapesDataset.Palette[(int)rng.NextInt64(0, ShapesDataset.Palette.Count)];
            int orientation = (int)rng.NextInt64(0, 4);   // triangles: apex up, down, left, right
            for (int attempt = 0; attempt < PlacementTries; attempt++)
            {
                int w = (int)rng.NextInt64(options.MinSide, options.MaxSide + 1);
                int h = (int)rng.NextInt64(options.MinSide, options.MaxSide + 1);
                int x0 = (int)rng.NextInt64(0, size - w + 1), y0 = (int)rng.NextInt64(0, size - h + 1);
                if (placed.Any(p => x0 <= p.X1 + 1 && p.X0 <= x0 + w && y0 <= p.Y1 + 1 && p.Y0 <= y0 + h))
                    continue;   // boxes keep a pixel of background between them, so no shape hides another
                var colour = (Jitter(r, rng), Jitter(g, rng), Jitter(b, rng));
                var extent = Fill(canvas, size, kind, orientation, x0, y0, w, h, colour);
                placed.Add(extent);
                var (ex0, ey0, ex1, ey1) = extent;
                boxes.Add(new GroundTruthBox(
                    (ex0 + ex1 + 1) / 2.0 / size, (ey0 + ey1 + 1) / 2.0 / size,
                    (ex1 - ex0 + 1) / (double)size, (ey1 - ey0 + 1) / (double)size, (int)kind));
                break;
            }
        }

        // Uniform noise in [−amplitude, amplitude] on every channel of every pixel; 16 random bits per sample.
        double amplitude = options.Noise * 255;
        var pixels = new byte[3 * plane];
        ulong bits = 0;
        for (int i = 0; i < pixels.Length; i++)
        {
            if ((i & 3) == 0) bits = rng.NextUInt64();
            double u = (bits & 0xFFFF) * (2.0 / 65535.0) - 1.0;
            bits >>= 16;
            pixels[i] = (byte)Math.Clamp(Math.Round(canvas[i] + amplitude * u), 0, 255);
        }
        return (pixels, [.. boxes]);
    }

    private static float Jitter(byte value, Generator rng) => (float)Math.Clamp(value + 40 * (rng.NextDouble() - 0.5), 0, 255);

    /// <summary>Fills the shape in the box (x0, y0, w, h) by testing pixel centres; returns the inclusive extent of the filled pixels.</summary>
    private static (int X0, int Y0, int X1, int Y1) Fill(float[] canvas, int size, ShapeKind kind, int orientation,
        int x0, int y0, int w, int h, (float R, float G, float B) colour)
    {
        int plane = size * size;
        int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1;
        double cx = x0 + w / 2.0, cy = y0 + h / 2.0;
        for (int y = y0; y < y0 + h; y++)
        {
            for (int x = x0; x < x0 + w; x++)
            {
                double px = x + 0.5, py = y + 0.5;
                if (!Inside(kind, orientation, px - x0, py - y0, w, h, px - cx, py - cy)) continue;
                int at = y * size + x;
                canvas[at] = colour.R;
                canvas[plane + at] = colour.G;
                canvas[2 * plane + at] = colour.B;
                minX = Math.Min(minX, x);
                maxX = Math.Max(maxX, x);
                minY = Math.Min(minY, y);
                maxY = Math.Max(maxY, y);
            }
        }
        // Every shape fills at least its centre pixel for sides of 2 or more, so the extent is never empty.
        return (minX, minY, maxX, maxY);
    }

    /// <summary>Whether a pixel centre at (u, v) from the box's corner, (dx, dy) from its centre, lies in the shape.</summary>
    private static bool Inside(ShapeKind kind, int orientation, double u, double v, int w, int h, double dx, double dy)
    {
        switch (kind)
        {
            case ShapeKind.Rectangle:
                return true;
            case ShapeKind.Ellipse:
                double ex = dx / (w / 2.0), ey = dy / (h / 2.0);
                return ex * ex + ey * ey <= 1.0;
            default:
                // t: the fraction of the way from the apex to the base; the half-width there is t·(base/2).
                return orientation switch
                {
                    0 => Math.Abs(dx) <= v / h * (w / 2.0),             // apex at the top
                    1 => Math.Abs(dx) <= (h - v) / h * (w / 2.0),       // apex at the bottom
                    2 => Math.Abs(dy) <= u / w * (h / 2.0),             // apex at the left
                    _ => Math.Abs(dy) <= (w - u) / w * (h / 2.0),       // apex at the right
                };
        }
    }
}
