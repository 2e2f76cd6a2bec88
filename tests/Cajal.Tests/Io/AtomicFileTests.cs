using System.Collections;
using Cajal.Io;
using static Cajal.Tests.Io.IoTestFiles;

namespace Cajal.Tests.Io;

public class AtomicFileTests
{
    /// <summary>Passes writes through until <c>failAfter</c> bytes, then fails as a full disk would.</summary>
    private sealed class FailingStream(Stream inner, long failAfter) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int allowed = (int)Math.Min(buffer.Length, failAfter - _written);
            inner.Write(buffer[..allowed]);
            _written += allowed;
            if (allowed < buffer.Length) throw new IOException("simulated: no space left on device");
        }
    }

    /// <summary>A tensor dictionary whose enumeration fails after the first tensor.</summary>
    private sealed class ThrowingTensors : IReadOnlyDictionary<string, Tensor>
    {
        public Tensor this[string key] => throw new KeyNotFoundException();
        public IEnumerable<string> Keys => this.Select(kv => kv.Key);
        public IEnumerable<Tensor> Values => this.Select(kv => kv.Value);
        public int Count => 2;
        public bool ContainsKey(string key) => false;
        public bool TryGetValue(string key, out Tensor value) { value = null!; return false; }
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator()
        {
            yield return new("a", Tensor.Ones([1000]));
            throw new InvalidOperationException("simulated: a tensor could not be produced");
        }
    }

    private static Dictionary<string, Tensor> Big() => new() { ["w"] = Tensor.RandN([64, 64], new Generator(3)), ["b"] = Tensor.Zeros([64]) };

    [Fact]
    public void Write_creates_and_then_replaces_a_file_leaving_nothing_else()
    {
        using var folder = new TempFolder();
        var path = folder.File("metrics.json");
        AtomicFile.WriteAllText(path, "{\"step\": 1}");
        Assert.Equal("{\"step\": 1}", File.ReadAllText(path));
        AtomicFile.WriteAllText(path, "{\"step\": 2}");
        Assert.Equal("{\"step\": 2}", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_failure_part_way_leaves_the_old_file_intact_and_no_temporary_file()
    {
        using var folder = new TempFolder();
        var path = folder.File("data.bin");
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);
        string? tempSeen = null;
        long tempLength = 0;
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[10_000]);
            stream.Flush();
            tempSeen = Directory.GetFiles(folder.Path).Single(f => f != path);
            tempLength = new FileInfo(tempSeen).Length;
            throw new IOException("simulated crash");
        }));
        Assert.Equal("simulated crash", e.Message);
        Assert.NotNull(tempSeen);                                    // the partial file did exist, beside the target
        Assert.EndsWith(".tmp", tempSeen, StringComparison.Ordinal);
        Assert.Equal(10_000, tempLength);
        Assert.False(File.Exists(tempSeen));                         // and was removed
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_safetensors_save_that_fails_mid_write_leaves_the_previous_file_loadable_and_unchanged()
    {
        using var folder = new TempFolder();
        var path = folder.File("model.safetensors");
        SafeTensors.Save(path, Big(), new Dictionary<string, string> { ["epoch"] = "1" });
        var before = File.ReadAllBytes(path);

        var newer = new Dictionary<string, Tensor> { ["w"] = Tensor.Ones([64, 64]), ["b"] = Tensor.Ones([64]) };
        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream => SafeTensors.Save(new FailingStream(stream, failAfter: 5000), newer)));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal("1", SafeTensors.Load(path).Metadata["epoch"]);
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_tensor_source_that_throws_leaves_the_previous_file_and_no_temporary_file()
    {
        using var folder = new TempFolder();
        var path = folder.File("model.safetensors");
        SafeTensors.Save(path, Big());
        var before = File.ReadAllBytes(path);
        Assert.Throws<InvalidOperationException>(() => SafeTensors.Save(path, new ThrowingTensors()));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_missing_folder_is_an_error_and_creates_nothing()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "no-such-folder", "x.safetensors");
        Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.Save(path, Big()));
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }
}
