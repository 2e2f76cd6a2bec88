using System.IO.Compression;
using Cajal.Data;

namespace Cajal.Cli;

/// <summary>
/// The Fashion-MNIST subset compiled into the cajal assembly: 2,000 training images (the first 200 of each class) and
/// 500 test images (the first 50 of each class), so that <c>cajal train</c> works with no data installed.
/// </summary>
/// <remarks>Fashion-MNIST is © 2017 Zalando SE under the MIT licence; the notice ships in the tool package (LICENSE-Fashion-MNIST.txt).</remarks>
internal static class EmbeddedFashionMnist
{
    /// <summary>Training images in the subset.</summary>
    public const int TrainCount = 2000;

    /// <summary>Test images in the subset.</summary>
    public const int TestCount = 500;

    /// <summary>Loads the training (2,000) or test (500) split.</summary>
    public static ByteImageDataset Load(bool train)
    {
        string split = train ? "train" : "t10k";
        var images = Read($"{split}-images-idx3-ubyte.gz");
        var labels = Read($"{split}-labels-idx1-ubyte.gz");
        return new ByteImageDataset($"embedded Fashion-MNIST {(train ? "train" : "test")}", images.Data, labels.Data,
            1, images.Dims[1], images.Dims[2], MnistFamily.FashionMnistClasses);
    }

    private static IdxArray Read(string fileName)
    {
        string resource = "Cajal.Cli.EmbeddedData." + fileName;
        using var stream = typeof(EmbeddedFashionMnist).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The resource {resource} is missing from the cajal assembly.");
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        return Idx.Read(gzip, "embedded " + fileName);
    }
}
