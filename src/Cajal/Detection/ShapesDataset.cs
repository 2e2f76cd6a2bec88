namespace Cajal.Detection;

/// <summary>The object classes of <see cref="ShapesDataset"/>.</summary>
public enum ShapeKind
{
    /// <summary>An axis-aligned filled rectangle that fills its box.</summary>
    Rectangle,

    /// <summary>An axis-aligned filled ellipse inscribed in its box.</summary>
    Ellipse,

    /// <summary>A filled isosceles triangle whose apex touches the middle of one side of its box and whose base is the opposite side.</summary>
    Triangle,
}

/// <summary>How <see cref="ShapesDataset"/> draws its images.</summary>
/// <param name="ImageSize">Width and height of the square canvas in pixels.</param>
/// <param name="MinObjects">Fewest objects placed on an image (at least 1).</param>
/// <param name="MaxObjects">Most objects placed on an image.</param>
/// <param name="MinSide">Smallest side of an object's box in pixels.</param>
/// <param name="MaxSide">Largest side of an object's box in pixels.</param>
/// <param name="Noise">Amplitude of the uniform per-pixel noise added to every channel, in [0, 1] intensity units.</param>
public sealed record ShapesOptions(int ImageSize = 96, int MinObjects = 1, int MaxObjects = 4, int MinSide = 12, int MaxSide = 40, double Noise = 0.1)
{
    /// <summary>The options of the detector demo: 96×96 canvases, one to four objects of 12 to 40 pixels a side.</summary>
    public static ShapesOptions Default { get; } = new();

    internal void Validate()
    {
        const string op = "ShapesDataset";
        if (ImageSize < 8) throw new ArgumentException($"{op}: ImageSize must be at least 8, got {ImageSize}.");
        if (MinObjects < 1 || MaxObjects < MinObjects)
            throw new ArgumentException($"{op}: need 1 <= MinObjects <= MaxObjects, got {MinObjects} and {MaxObjects}.");
        if (MinSide < 2 || MaxSide < MinSide || MaxSide > ImageSize)
            throw new ArgumentException($"{op}: need 2 <= MinSide <= MaxSide <= ImageSize ({ImageSize}), got {MinSide} and {MaxSide}.");
        if (!(Noise >= 0 && Noise <= 1)) throw new ArgumentException($"{op}: Noise must be in [0, 1], got {Noise}.");
    }
}

/// <summary>
/// A synthetic detection dataset: noisy RGB canvases with one to four rectangles, ellipses and triangles, each with its
/// box. Every image is a pure function of the seed and its index.
/// </summary>
/// <remarks>
/// <para>Drawing: a dark, slightly tinted background with uniform per-pixel noise; each object gets one of
/// <see cref="Palette"/>'s colours drawn independently of its class, a box of <see cref="ShapesOptions.MinSide"/> to
/// <see cref="ShapesOptions.MaxSide"/> pixels a side on the integer pixel grid, and is rasterised by testing pixel centres
/// (no anti-aliasing, no drawing library). Boxes of one image do not overlap (a placement is retried up to 30 times and the
/// object is dropped if none fits), so every box is the exact extent of its visible shape.</para>
/// <para>Shape: <see cref="Images(int, int)"/> gives (N, 3, S, S) float32 in [0, 1]; boxes are
/// <see cref="GroundTruthBox"/> values normalised by the image size, with cx, cy in (0, 1) and w, h in (0, 1].</para>
/// </remarks>
public sealed class ShapesDataset
{
    private readonly byte[][] _pixels;
    private readonly GroundTruthBox[][] _boxes;

    private ShapesDataset(ShapesOptions options, ulong seed, byte[][] pixels, GroundTruthBox[][] boxes)
    {
        Options = options;
        Seed = seed;
        _pixels = pixels;
        _boxes = boxes;
    }

    /// <summary>The class names in class-id order: rectangle, ellipse, triangle.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["rectangle", "ellipse", "triangle"];

    /// <summary>The object colours as RGB bytes: red, green, blue, yellow, magenta, cyan, white.</summary>
    public static IReadOnlyList<(byte R, byte G, byte B)> Palette { get; } =
        [(230, 40, 40), (40, 200, 60), (50, 90, 240), (235, 220, 40), (220, 60, 220), (40, 220, 220), (235, 235, 235)];

    /// <summary>How the images were drawn.</summary>
    public ShapesOptions Options { get; }

    /// <summary>The seed the images derive from.</summary>
    public ulong Seed { get; }

    /// <summary>The number of images.</summary>
    public int Count => _pixels.Length;

    /// <summary>Width and height of every image in pixels.</summary>
    public int ImageSize => Options.ImageSize;

    /// <summary>Draws <paramref name="count"/> images from <paramref name="seed"/>; image i depends only on the seed, i and the options.</summary>
    /// <param name="count">Number of images (0 or more).</param>
    /// <param name="seed">The seed; the same seed gives byte-identical images and boxes.</param>
    /// <param name="options">Canvas size, object counts, sizes and noise (<see cref="ShapesOptions.Default"/> when null).</param>
    /// <param name="firstIndex">Index of the first image; sets drawn from one seed with disjoint index ranges share no image.</param>
    public static ShapesDataset Generate(int count, ulong seed, ShapesOptions? options = null, int firstIndex = 0)
    {
        options ??= ShapesOptions.Default;
        options.Validate();
        if (count < 0) throw new ArgumentException($"ShapesDataset.Generate: count must be 0 or more, got {count}.", nameof(count));
        if (firstIndex < 0) throw new ArgumentException($"ShapesDataset.Generate: firstIndex must be 0 or more, got {firstIndex}.", nameof(firstIndex));
        var pixels = new byte[count][];
        var boxes = new GroundTruthBox[count][];
        for (int i = 0; i < count; i++)
            (pixels[i], boxes[i]) = ShapeCanvas.Draw(options, new Generator(ImageSeed(seed, (ulong)(firstIndex + i))));
        return new ShapesDataset(options, seed, pixels, boxes);
    }

    /// <summary>The ground-truth boxes of image <paramref name="index"/>, normalised, in drawing order.</summary>
    public IReadOnlyList<GroundTruthBox> Boxes(int index) => _boxes[CheckIndex(index)];

    /// <summary>The ground truth of every image, in image order (what mAP and the loss take).</summary>
    public IReadOnlyList<IReadOnlyList<GroundTruthBox>> AllBoxes() => _boxes;

    /// <summary>The planar RGB bytes of image <paramref name="index"/>: 3 planes of ImageSize × ImageSize, row-major.</summary>
    public ReadOnlySpan<byte> ImageBytes(int index) => _pixels[CheckIndex(index)];

    /// <summary>Images <paramref name="start"/> to start + count − 1 as one float32 tensor (count, 3, S, S) with values in [0, 1].</summary>
    public Tensor Images(int start, int count) => Images(Enumerable.Range(start, count).ToArray());

    /// <summary>The images at <paramref name="indices"/>, in that order, as one float32 tensor (n, 3, S, S) with values in [0, 1].</summary>
    public Tensor Images(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int plane = 3 * ImageSize * ImageSize;
        var data = new float[indices.Count * plane];
        for (int k = 0; k < indices.Count; k++)
        {
            var source = _pixels[CheckIndex(indices[k])];
            for (int p = 0; p < plane; p++) data[k * plane + p] = source[p] * (1f / 255f);
        }
        return Tensor.FromArray(data, indices.Count, 3, ImageSize, ImageSize);
    }

    /// <summary>The boxes of the images at <paramref name="indices"/>, in that order.</summary>
    public IReadOnlyList<IReadOnlyList<GroundTruthBox>> Boxes(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return indices.Select(i => (IReadOnlyList<GroundTruthBox>)_boxes[CheckIndex(i)]).ToArray();
    }

    private int CheckIndex(int index) => (uint)index < (uint)_pixels.Length
        ? index
        : throw new ArgumentOutOfRangeException(nameof(index), $"ShapesDataset: index {index} is outside [0, {_pixels.Length}).");

    /// <summary>The seed of image <paramref name="index"/>: SplitMix64 of the dataset seed and the index.</summary>
    internal static ulong ImageSeed(ulong seed, ulong index)
    {
        ulong z = seed ^ (index + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
