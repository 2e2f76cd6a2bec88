using System.Collections;

namespace Cajal.Data;

/// <summary>A batch of images (N, C, H, W) as float32 and their labels (N) as int64.</summary>
/// <param name="Images">The images.</param>
/// <param name="Labels">The class indices.</param>
public sealed record ImageBatch(Tensor Images, Tensor Labels)
{
    /// <summary>The number of samples in the batch.</summary>
    public int Count => Labels.Count;
}

/// <summary>Iterates a dataset in batches, optionally shuffled each epoch from a seed, preparing the next batch in the background.</summary>
/// <typeparam name="TSample">The dataset's sample type.</typeparam>
/// <typeparam name="TBatch">What <c>collate</c> makes of a list of samples.</typeparam>
/// <remarks>
/// Each enumeration is one epoch. With shuffling, the epoch's order is a permutation drawn from the loader's
/// generator (Fisher–Yates), so the same seed gives the same batches. Samples are read in batch order by one
/// producer, so random transforms also repeat. Prefetch overlaps reading the next batch with the caller's work.
/// </remarks>
public sealed class DataLoader<TSample, TBatch> : IEnumerable<TBatch>
{
    private readonly IDataset<TSample> _dataset;
    private readonly Func<IReadOnlyList<TSample>, TBatch> _collate;

    /// <summary>Creates the loader.</summary>
    public DataLoader(IDataset<TSample> dataset, int batchSize, Func<IReadOnlyList<TSample>, TBatch> collate,
        bool shuffle = false, bool dropLast = false, Generator? generator = null, bool prefetch = true)
    {
        _dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        _collate = collate ?? throw new ArgumentNullException(nameof(collate));
        if (batchSize <= 0) throw new ArgumentException($"DataLoader: batch size must be positive, got {batchSize}.");
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Generator = generator ?? Generator.Default;
        Prefetch = prefetch;
    }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch uses a new random order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a last, smaller batch is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>Whether the next batch is prepared on a background thread.</summary>
    public bool Prefetch { get; }

    /// <summary>The source of the shuffling order (its state is part of a checkpoint).</summary>
    public Generator Generator { get; }

    /// <summary>The number of batches in one epoch.</summary>
    public int BatchCount => DropLast ? _dataset.Count / BatchSize : (_dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>The sample order of the next epoch (draws from the generator when shuffling).</summary>
    private int[] EpochOrder()
    {
        var order = Enumerable.Range(0, _dataset.Count).ToArray();
        if (!Shuffle) return order;
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = (int)Generator.NextInt64(0, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private TBatch MakeBatch(int[] order, int batch)
    {
        int start = batch * BatchSize, end = Math.Min(order.Length, start + BatchSize);
        var samples = new TSample[end - start];
        for (int i = start; i < end; i++) samples[i - start] = _dataset.Get(order[i]);
        return _collate(samples);
    }

    /// <summary>Iterates one epoch.</summary>
    public IEnumerator<TBatch> GetEnumerator()
    {
        var order = EpochOrder();
        int count = BatchCount;
        if (!Prefetch)
        {
            for (int b = 0; b < count; b++) yield return MakeBatch(order, b);
            yield break;
        }
        Task<TBatch>? next = count > 0 ? Task.Run(() => MakeBatch(order, 0)) : null;
        for (int b = 0; b < count; b++)
        {
            var current = next!.GetAwaiter().GetResult();
            int following = b + 1;
            next = following < count ? Task.Run(() => MakeBatch(order, following)) : null;
            yield return current;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Creates loaders for image datasets.</summary>
public static class DataLoader
{
    /// <summary>A loader that stacks image samples into an <see cref="ImageBatch"/> of shape (N, C, H, W).</summary>
    public static DataLoader<ImageSample, ImageBatch> ForImages(IImageDataset dataset, int batchSize, bool shuffle = false,
        bool dropLast = false, Generator? generator = null, bool prefetch = true)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        int c = dataset.Channels, h = dataset.Height, w = dataset.Width;
        return new DataLoader<ImageSample, ImageBatch>(dataset, batchSize, samples => Collate(samples, c, h, w), shuffle, dropLast, generator, prefetch);
    }

    /// <summary>Stacks samples into (N, C, H, W) float32 images and (N) int64 labels.</summary>
    public static ImageBatch Collate(IReadOnlyList<ImageSample> samples, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(samples);
        int size = channels * height * width;
        var pixels = new float[samples.Count * size];
        var labels = new long[samples.Count];
        for (int i = 0; i < samples.Count; i++)
        {
            if (samples[i].Pixels.Length != size)
                throw new ArgumentException($"DataLoader: sample {i} has {samples[i].Pixels.Length} values, expected {channels}×{height}×{width}.");
            samples[i].Pixels.CopyTo(pixels, i * size);
            labels[i] = samples[i].Label;
        }
        return new ImageBatch(Tensor.FromArray(pixels, samples.Count, channels, height, width), Tensor.FromArray(labels, samples.Count));
    }
}
