namespace Cajal.Data;

/// <summary>A collection of samples that can be read by index, as PyTorch's map-style <c>Dataset</c>.</summary>
/// <typeparam name="TSample">The type of one sample.</typeparam>
public interface IDataset<out TSample>
{
    /// <summary>The number of samples.</summary>
    int Count { get; }

    /// <summary>The sample at <paramref name="index"/> (0 ≤ index &lt; Count).</summary>
    TSample Get(int index);
}

/// <summary>One labelled image: pixels (C·H·W, row-major, usually scaled to [0, 1]) and a class index.</summary>
/// <param name="Pixels">The pixel values, channel-major.</param>
/// <param name="Label">The class index.</param>
public readonly record struct ImageSample(float[] Pixels, int Label);

/// <summary>A dataset of labelled images of one size.</summary>
public interface IImageDataset : IDataset<ImageSample>
{
    /// <summary>Channels per image.</summary>
    int Channels { get; }

    /// <summary>Image height in pixels.</summary>
    int Height { get; }

    /// <summary>Image width in pixels.</summary>
    int Width { get; }

    /// <summary>The class names, indexed by label.</summary>
    IReadOnlyList<string> ClassNames { get; }
}

/// <summary>Images and labels held in memory as bytes (as IDX files store them); pixels come out scaled to [0, 1].</summary>
public sealed class ByteImageDataset : IImageDataset
{
    private readonly byte[] _images;
    private readonly byte[] _labels;

    /// <summary>Creates the dataset over images (count·C·H·W bytes) and labels (count bytes).</summary>
    public ByteImageDataset(string name, byte[] images, byte[] labels, int channels, int height, int width, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        int size = channels * height * width;
        if (size <= 0 || images.Length != (long)labels.Length * size)
            throw new ArgumentException($"{name}: {images.Length} image bytes do not hold {labels.Length} images of {channels}×{height}×{width}.");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classNames.Count)
                throw new ArgumentException($"{name}: label {labels[i]} at position {i} is out of range for {classNames.Count} classes.");
        Name = name;
        _images = images;
        _labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames;
    }

    /// <summary>A short description, e.g. "Fashion-MNIST train".</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public int Count => _labels.Length;

    /// <inheritdoc/>
    public int Channels { get; }

    /// <inheritdoc/>
    public int Height { get; }

    /// <inheritdoc/>
    public int Width { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The raw bytes of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> ImageBytes(int index) => _images.AsSpan(index * Channels * Height * Width, Channels * Height * Width);

    /// <summary>The label of image <paramref name="index"/>.</summary>
    public int Label(int index) => _labels[index];

    /// <inheritdoc/>
    public ImageSample Get(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), $"{Name}: index {index} is out of range for {Count} images.");
        var bytes = ImageBytes(index);
        var pixels = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) pixels[i] = bytes[i] / 255f;
        return new ImageSample(pixels, _labels[index]);
    }

    /// <summary>A new dataset of the images at <paramref name="indices"/>, in that order.</summary>
    public ByteImageDataset Subset(IReadOnlyList<int> indices, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int size = Channels * Height * Width;
        var images = new byte[indices.Count * size];
        var labels = new byte[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            ImageBytes(indices[k]).CopyTo(images.AsSpan(k * size));
            labels[k] = _labels[indices[k]];
        }
        return new ByteImageDataset(name ?? Name + " subset", images, labels, Channels, Height, Width, ClassNames);
    }
}

/// <summary>Applies a transform to each sample of another dataset, drawing any randomness from one generator.</summary>
/// <remarks>Samples must be read in a fixed order (as <see cref="DataLoader{TSample, TBatch}"/> does) for runs to repeat.</remarks>
public sealed class TransformedDataset : IImageDataset
{
    private readonly IImageDataset _inner;
    private readonly IImageTransform _transform;
    private readonly Generator _generator;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public TransformedDataset(IImageDataset inner, IImageTransform transform, Generator? generator = null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _transform = transform ?? throw new ArgumentNullException(nameof(transform));
        _generator = generator ?? Generator.Default;
    }

    /// <inheritdoc/>
    public int Count => _inner.Count;

    /// <inheritdoc/>
    public int Channels => _inner.Channels;

    /// <inheritdoc/>
    public int Height => _inner.Height;

    /// <inheritdoc/>
    public int Width => _inner.Width;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => _inner.ClassNames;

    /// <inheritdoc/>
    public ImageSample Get(int index)
    {
        var sample = _inner.Get(index);
        _transform.Apply(sample.Pixels, Channels, Height, Width, _generator);
        return sample;
    }
}
