using Cajal.Data;

namespace Cajal.Tests.Data;

public class DataLoaderTests
{
    private static ByteImageDataset Dataset(int n)
    {
        var images = new byte[n * 2 * 3];
        var labels = new byte[n];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < 6; k++) images[i * 6 + k] = (byte)i;
            labels[i] = (byte)(i % 3);
        }
        return new ByteImageDataset("toy", images, labels, 1, 2, 3, ["a", "b", "c"]);
    }

    private static long[] Labels(IEnumerable<ImageBatch> batches) => batches.SelectMany(b => b.Labels.ToArray<long>()).ToArray();

    private static float[] FirstPixels(IEnumerable<ImageBatch> batches) =>
        batches.SelectMany(b => Enumerable.Range(0, b.Count).Select(i => b.Images.ToArray<float>()[i * 6] * 255f)).ToArray();

    [Fact]
    public void Batches_have_the_right_shapes_and_the_last_one_is_smaller_unless_dropped()
    {
        var loader = DataLoader.ForImages(Dataset(10), batchSize: 4);
        var batches = loader.ToList();
        Assert.Equal(3, loader.BatchCount);
        Assert.Equal(new[] { 4, 1, 2, 3 }, batches[0].Images.Shape.ToArray());
        Assert.Equal(DType.Int64, batches[0].Labels.DType);
        Assert.Equal(2, batches[2].Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), FirstPixels(batches));
        var dropped = DataLoader.ForImages(Dataset(10), batchSize: 4, dropLast: true);
        Assert.Equal(2, dropped.BatchCount);
        Assert.Equal(2, dropped.Count());
    }

    [Fact]
    public void Shuffling_is_a_permutation_that_repeats_for_a_seed_and_changes_each_epoch()
    {
        var a = DataLoader.ForImages(Dataset(50), 8, shuffle: true, generator: new Generator(3));
        var b = DataLoader.ForImages(Dataset(50), 8, shuffle: true, generator: new Generator(3), prefetch: false);
        var epochA1 = FirstPixels(a);
        var epochB1 = FirstPixels(b);
        Assert.Equal(epochA1, epochB1);                      // prefetch does not change the order
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (float)i), epochA1.OrderBy(v => v));
        Assert.NotEqual(Enumerable.Range(0, 50).Select(i => (float)i), epochA1);
        var epochA2 = FirstPixels(a);
        Assert.NotEqual(epochA1, epochA2);
        Assert.Equal(epochA2, FirstPixels(b));
    }

    [Fact]
    public void Transforms_are_applied_and_repeat_for_a_seed()
    {
        var transform = new Compose(new RandomHorizontalFlip(1.0), new Normalize([0.5f], [0.25f]));
        var ds = new TransformedDataset(Dataset(4), transform, new Generator(1));
        var s = ds.Get(2);
        Assert.All(s.Pixels, v => Assert.Equal((2 / 255f - 0.5f) / 0.25f, v, 5));

        var flipped = new float[] { 1, 2, 3, 4, 5, 6 };
        new RandomHorizontalFlip(1.0).Apply(flipped, 1, 2, 3, new Generator(0));
        Assert.Equal(new float[] { 3, 2, 1, 6, 5, 4 }, flipped);

        float[] Crop(ulong seed)
        {
            var p = Enumerable.Range(1, 16).Select(v => (float)v).ToArray();
            new RandomCrop(2).Apply(p, 1, 4, 4, new Generator(seed));
            return p;
        }
        Assert.Equal(Crop(5), Crop(5));
        Assert.Contains(Enumerable.Range(0, 20).Select(s => Crop((ulong)s)), c => c.Contains(0f));

        var erased = Enumerable.Repeat(1f, 100).ToArray();
        new RandomErasing(p: 1.0, value: 0f).Apply(erased, 1, 10, 10, new Generator(2));
        int zeros = erased.Count(v => v == 0f);
        Assert.InRange(zeros, 2, 33);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => DataLoader.ForImages(Dataset(3), 0));
        Assert.Throws<ArgumentException>(() => new ByteImageDataset("x", new byte[5], new byte[1], 1, 2, 2, ["a"]));
        var e = Assert.Throws<ArgumentException>(() => new ByteImageDataset("x", new byte[4], new byte[] { 3 }, 1, 2, 2, ["a", "b"]));
        Assert.Contains("label 3 at position 0", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Dataset(3).Get(3));
    }
}
