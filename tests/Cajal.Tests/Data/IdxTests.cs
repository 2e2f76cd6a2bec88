using System.IO.Compression;
using Cajal.Data;

namespace Cajal.Tests.Data;

public sealed class IdxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cajal-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] IdxBytes(int[] dims, byte[] data)
    {
        var bytes = new List<byte> { 0, 0, 8, (byte)dims.Length };
        foreach (int d in dims) bytes.AddRange(new[] { (byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d });
        bytes.AddRange(data);
        return [.. bytes];
    }

    private string WriteRaw(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string WriteGz(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(bytes);
        return path;
    }

    [Fact]
    public void Reads_raw_and_gzip_files_with_their_dimensions()
    {
        var data = Enumerable.Range(0, 24).Select(i => (byte)i).ToArray();
        var raw = Idx.Read(WriteRaw("a-idx3-ubyte", IdxBytes([2, 3, 4], data)));
        var gz = Idx.Read(WriteGz("a-idx3-ubyte.gz", IdxBytes([2, 3, 4], data)));
        Assert.Equal(new[] { 2, 3, 4 }, raw.Dims);
        Assert.Equal(data, raw.Data);
        Assert.Equal(raw.Dims, gz.Dims);
        Assert.Equal(raw.Data, gz.Data);
    }

    [Fact]
    public void Write_then_read_round_trips()
    {
        var array = new IdxArray([3, 2], [1, 2, 3, 4, 5, 6]);
        foreach (var name in new[] { "w.idx", "w.idx.gz" })
        {
            var path = Path.Combine(_dir, name);
            Idx.Write(path, array);
            var back = Idx.Read(path);
            Assert.Equal(array.Dims, back.Dims);
            Assert.Equal(array.Data, back.Data);
        }
    }

    [Fact]
    public void A_truncated_raw_file_names_the_file_and_the_expected_size()
    {
        var bytes = IdxBytes([10, 28, 28], new byte[10 * 784]);
        var path = WriteRaw("t-idx3-ubyte", bytes[..^100]);
        var e = Assert.Throws<IdxFormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("need 7856 bytes", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_truncated_gzip_file_is_reported_not_crashed_on()
    {
        var full = WriteGz("g.gz", IdxBytes([50, 28, 28], Enumerable.Range(0, 50 * 784).Select(i => (byte)(i * 7)).ToArray()));
        var bytes = File.ReadAllBytes(full);
        var cut = WriteRaw("cut.gz", bytes[..(bytes.Length / 2)]);
        var e = Assert.ThrowsAny<IOException>(() => Idx.Read(cut));
        Assert.Contains("cut.gz", e.Message);
        var shortData = WriteGz("short.gz", IdxBytes([50, 28, 28], new byte[100]));
        var e2 = Assert.Throws<IdxFormatException>(() => Idx.Read(shortData));
        Assert.Contains("truncated", e2.Message);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 8, 1, 0, 0, 0, 0 }, "magic")]
    [InlineData(new byte[] { 0, 0, 0x0D, 1, 0, 0, 0, 0 }, "0x0D")]
    [InlineData(new byte[] { 0, 0, 8, 0 }, "rank 0")]
    [InlineData(new byte[] { 0, 0, 8, 2, 0, 0 }, "truncated")]
    [InlineData(new byte[] { 0, 0, 8, 2, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF }, "exceed")]
    [InlineData(new byte[] { 0, 0, 8, 1, 0, 0, 0, 1, 5, 6 }, "file has 10")]
    public void Damaged_headers_get_a_clear_error(byte[] bytes, string expected)
    {
        var path = WriteRaw("bad", bytes);
        var e = Assert.Throws<IdxFormatException>(() => Idx.Read(path));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Fashion_mnist_is_found_in_a_data_folder_and_missing_data_says_how_to_get_it()
    {
        var images = new byte[3 * 4 * 4];
        for (int i = 0; i < images.Length; i++) images[i] = (byte)(i * 5);
        WriteGz("train-images-idx3-ubyte.gz", IdxBytes([3, 4, 4], images));
        WriteGz("train-labels-idx1-ubyte.gz", IdxBytes([3], [9, 0, 4]));
        WriteRaw("t10k-images-idx3-ubyte", IdxBytes([1, 4, 4], new byte[16]));
        WriteRaw("t10k-labels-idx1-ubyte", IdxBytes([1], [2]));
        var train = MnistFamily.FashionMnist(train: true, dataDir: _dir);
        Assert.Equal(3, train.Count);
        Assert.Equal((1, 4, 4), (train.Channels, train.Height, train.Width));
        Assert.Equal("Ankle boot", train.ClassNames[train.Label(0)]);
        Assert.Equal(images[17] / 255f, train.Get(1).Pixels[1]);
        Assert.Equal(1, MnistFamily.FashionMnist(train: false, dataDir: _dir).Count);

        var empty = Directory.CreateTempSubdirectory("cajal-empty-").FullName;
        var systemRoot = MnistFamily.SystemRoot;
        MnistFamily.SystemRoot = empty;   // as on a machine without Debian's package
        try
        {
            var e = Assert.Throws<DatasetNotFoundException>(() => MnistFamily.Mnist(train: true, dataDir: empty));
            Assert.Contains(empty, e.Message);
            Assert.Contains("--data", e.Message);
            Assert.Contains("cajal download", e.Message);
            var f = Assert.Throws<DatasetNotFoundException>(() => MnistFamily.FashionMnist(true, empty + "/nope"));
            Assert.Contains("apt-get install dataset-fashion-mnist", f.Message);
        }
        finally
        {
            MnistFamily.SystemRoot = systemRoot;
            Directory.Delete(empty);
        }
    }

    [Fact]
    public void Mismatched_image_and_label_counts_are_reported()
    {
        WriteRaw("train-images-idx3-ubyte", IdxBytes([2, 2, 2], new byte[8]));
        WriteRaw("train-labels-idx1-ubyte", IdxBytes([3], [1, 2, 3]));
        WriteRaw("t10k-images-idx3-ubyte", IdxBytes([1, 2, 2], new byte[4]));
        WriteRaw("t10k-labels-idx1-ubyte", IdxBytes([1], [2]));
        var e = Assert.Throws<IdxFormatException>(() => MnistFamily.FashionMnist(true, _dir));
        Assert.Contains("2 images but 3 labels", e.Message);
    }
}
