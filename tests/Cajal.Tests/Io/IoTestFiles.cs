using System.Buffers.Binary;
using System.Text;
using Cajal.Io;

namespace Cajal.Tests.Io;

/// <summary>Fixtures, temporary folders and hand-made safetensors bytes for the Io tests.</summary>
internal static class IoTestFiles
{
    /// <summary>tests/Cajal.Tests/Io/Fixtures, found by walking up from the test binaries.</summary>
    public static string FixturesDirectory
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "tests", "Cajal.Tests", "Io", "Fixtures");
                if (File.Exists(Path.Combine(candidate, "gen_fixtures.py"))) return candidate;
            }
            throw new InvalidOperationException("tests/Cajal.Tests/Io/Fixtures not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Fixture(string name) => Path.Combine(FixturesDirectory, name);

    /// <summary>A file: 8-byte length, the header text as given (not padded), then the data bytes.</summary>
    public static byte[] Build(string header, byte[]? data = null, ulong? length = null)
    {
        var text = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + text.Length + (data?.Length ?? 0)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length ?? (ulong)text.Length);
        text.CopyTo(bytes, 8);
        data?.CopyTo(bytes, 8 + text.Length);
        return bytes;
    }

    /// <summary>A file from raw header bytes (which may be invalid UTF-8) and data.</summary>
    public static byte[] BuildRaw(byte[] header, byte[]? data = null)
    {
        var bytes = new byte[8 + header.Length + (data?.Length ?? 0)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data?.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static SafeTensorsFile LoadBytes(byte[] bytes, string source = "test.safetensors") =>
        SafeTensors.Load(new MemoryStream(bytes, writable: false), source);

    public static byte[] SaveToBytes(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new MemoryStream();
        SafeTensors.Save(stream, tensors, metadata);
        return stream.ToArray();
    }

    public static byte[] Bits(Tensor t) => t.Contiguous().RawBytes().ToArray();

    public static void AssertBitEqual(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.DType, actual.DType);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(Bits(expected), Bits(actual));
    }

    /// <summary>A temporary folder deleted on dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("cajal-io-").FullName;

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
