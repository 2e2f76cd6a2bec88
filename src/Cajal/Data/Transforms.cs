namespace Cajal.Data;

/// <summary>Changes an image's pixels in place (C, H, W), drawing any randomness from the generator given.</summary>
public interface IImageTransform
{
    /// <summary>Transforms <paramref name="pixels"/> (channels·height·width, channel-major) in place.</summary>
    void Apply(float[] pixels, int channels, int height, int width, Generator generator);
}

/// <summary>Transforms applied one after the other.</summary>
/// <param name="transforms">The transforms, in order.</param>
public sealed class Compose(params IImageTransform[] transforms) : IImageTransform
{
    /// <inheritdoc/>
    public void Apply(float[] pixels, int channels, int height, int width, Generator generator)
    {
        foreach (var t in transforms) t.Apply(pixels, channels, height, width, generator);
    }
}

/// <summary>(x − mean[c]) / std[c] per channel, as torchvision's <c>Normalize</c>.</summary>
public sealed class Normalize : IImageTransform
{
    private readonly float[] _mean, _std;

    /// <summary>Creates the transform; one mean and std per channel (or one for all).</summary>
    public Normalize(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length) throw new ArgumentException("Normalize: mean and std need the same, non-zero length.");
        if (std.Any(s => !(s > 0))) throw new ArgumentException("Normalize: every std must be positive.");
        _mean = mean;
        _std = std;
    }

    /// <inheritdoc/>
    public void Apply(float[] pixels, int channels, int height, int width, Generator generator)
    {
        int plane = height * width;
        for (int c = 0; c < channels; c++)
        {
            float m = _mean[_mean.Length == 1 ? 0 : c], s = _std[_std.Length == 1 ? 0 : c];
            for (int i = c * plane; i < (c + 1) * plane; i++) pixels[i] = (pixels[i] - m) / s;
        }
    }
}

/// <summary>Pads by <c>Padding</c> zeros on each side, then crops a random Height×Width window, as torchvision's <c>RandomCrop</c>.</summary>
/// <param name="padding">Zero pixels added on each side before cropping.</param>
public sealed class RandomCrop(int padding) : IImageTransform
{
    /// <inheritdoc/>
    public void Apply(float[] pixels, int channels, int height, int width, Generator generator)
    {
        if (padding <= 0) return;
        int dy = (int)generator.NextInt64(0, 2 * padding + 1) - padding;
        int dx = (int)generator.NextInt64(0, 2 * padding + 1) - padding;
        var source = (float[])pixels.Clone();
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int sy = y + dy, sx = x + dx;
                    pixels[(c * height + y) * width + x] = sy >= 0 && sy < height && sx >= 0 && sx < width ? source[(c * height + sy) * width + sx] : 0f;
                }
    }
}

/// <summary>Mirrors the image left to right with probability P.</summary>
/// <param name="p">The probability of flipping.</param>
public sealed class RandomHorizontalFlip(double p = 0.5) : IImageTransform
{
    /// <inheritdoc/>
    public void Apply(float[] pixels, int channels, int height, int width, Generator generator)
    {
        if (generator.NextDouble() >= p) return;
        for (int row = 0; row < channels * height; row++)
            Array.Reverse(pixels, row * width, width);
    }
}

/// <summary>With probability P, sets a random rectangle to a value, as torchvision's <c>RandomErasing</c>.</summary>
/// <remarks>The area is a fraction in [scaleMin, scaleMax] of the image and the aspect ratio log-uniform in [ratioMin, ratioMax]; up to 10 tries.</remarks>
public sealed class RandomErasing(double p = 0.5, double scaleMin = 0.02, double scaleMax = 0.33, double ratioMin = 0.3, double ratioMax = 3.3, float value = 0f) : IImageTransform
{
    /// <inheritdoc/>
    public void Apply(float[] pixels, int channels, int height, int width, Generator generator)
    {
        if (generator.NextDouble() >= p) return;
        double area = height * width;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * (scaleMin + (scaleMax - scaleMin) * generator.NextDouble());
            double logRatio = Math.Log(ratioMin) + (Math.Log(ratioMax) - Math.Log(ratioMin)) * generator.NextDouble();
            double ratio = Math.Exp(logRatio);
            int h = (int)Math.Round(Math.Sqrt(target * ratio)), w = (int)Math.Round(Math.Sqrt(target / ratio));
            if (h <= 0 || w <= 0 || h >= height || w >= width) continue;
            int top = (int)generator.NextInt64(0, height - h + 1), left = (int)generator.NextInt64(0, width - w + 1);
            for (int c = 0; c < channels; c++)
                for (int y = top; y < top + h; y++)
                    Array.Fill(pixels, value, (c * height + y) * width + left, w);
            return;
        }
    }
}
