using System.Buffers.Binary;
using System.IO.Compression;

namespace Cajal.Data;

/// <summary>Thrown when an IDX file is missing pieces, damaged or not what was expected; the message names the file.</summary>
public sealed class IdxFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    public IdxFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with no message.</summary>
    public IdxFormatException() { }

    /// <summary>Creates the exception with an inner exception.</summary>
    public IdxFormatException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>The contents of an IDX file of unsigned bytes: its dimensions and its data, row-major.</summary>
/// <param name="Dims">The sizes, e.g. (60000, 28, 28) for MNIST images or (60000) for labels.</param>
/// <param name="Data">The bytes, row-major.</param>
public sealed record IdxArray(int[] Dims, byte[] Data)
{
    /// <summary>The number of items (the first dimension).</summary>
    public int Count => Dims.Length == 0 ? 1 : Dims[0];
}

/// <summary>Reads IDX files (the MNIST format): big-endian header <c>00 00 type rank</c>, rank sizes, then the data; raw or gzip.</summary>
/// <remarks>
/// Only type 0x08 (unsigned byte) is read, the type of every MNIST-family file. The header is validated and
/// the data length must match the dimensions exactly; nothing larger than the dimensions promise is allocated.
/// </remarks>
public static class Idx
{
    private const int MaxElements = 1 << 30;

    /// <summary>Reads a file; a name ending in <c>.gz</c> (or a gzip magic number) is decompressed.</summary>
    public static IdxArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        using var file = File.OpenRead(path);
        bool gzip = file.Length >= 2 && file.ReadByte() == 0x1F && file.ReadByte() == 0x8B;
        file.Position = 0;
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            return Read(stream, path, gzip ? null : file.Length);
        }
        catch (InvalidDataException e)
        {
            throw new IdxFormatException($"IDX file '{path}': the gzip stream is damaged ({e.Message}).", e);
        }
    }

    /// <summary>Reads from a stream; <paramref name="name"/> appears in error messages.</summary>
    public static IdxArray Read(Stream stream, string name, long? knownLength = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> header = stackalloc byte[4];
        ReadExactly(stream, header, name, "the 4-byte magic number");
        if (header[0] != 0 || header[1] != 0)
            throw new IdxFormatException($"IDX file '{name}': bad magic number {Convert.ToHexString(header)}; an IDX file starts with 0000 then the type and rank bytes.");
        if (header[2] != 0x08)
            throw new IdxFormatException($"IDX file '{name}': element type 0x{header[2]:X2} is not supported; only unsigned bytes (0x08) are.");
        int rank = header[3];
        if (rank == 0 || rank > 8) throw new IdxFormatException($"IDX file '{name}': rank {rank} is not in 1…8.");
        var dimBytes = new byte[4 * rank];
        ReadExactly(stream, dimBytes, name, $"{rank} dimension sizes");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (d > int.MaxValue) throw new IdxFormatException($"IDX file '{name}': dimension {i} has an impossible size {d}.");
            dims[i] = (int)d;
            count *= d;
            if (count > MaxElements) throw new IdxFormatException($"IDX file '{name}': dimensions {string.Join("×", dims.Take(i + 1))} exceed {MaxElements} elements.");
        }
        long expectedLength = 4 + 4 * rank + count;
        if (knownLength is long length && length != expectedLength)
            throw new IdxFormatException($"IDX file '{name}': dimensions {string.Join("×", dims)} need {expectedLength} bytes, but the file has {length}{(length < expectedLength ? " (truncated)" : "")}.");
        var data = new byte[count];
        int read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
            throw new IdxFormatException($"IDX file '{name}': truncated: dimensions {string.Join("×", dims)} need {count} data bytes ({expectedLength} in all), found {read}.");
        if (stream.ReadByte() != -1)
            throw new IdxFormatException($"IDX file '{name}': more data than dimensions {string.Join("×", dims)} describe ({expectedLength} bytes expected).");
        return new IdxArray(dims, data);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string name, string what)
    {
        int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
            throw new IdxFormatException($"IDX file '{name}': truncated while reading {what} ({read} of {buffer.Length} bytes).");
    }

    /// <summary>Writes an IDX file of unsigned bytes (gzip when the name ends in .gz), atomically.</summary>
    public static void Write(string path, IdxArray array)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(array);
        long count = array.Dims.Aggregate(1L, (a, b) => a * b);
        if (count != array.Data.Length) throw new ArgumentException($"Idx.Write: dimensions {string.Join("×", array.Dims)} need {count} bytes, data has {array.Data.Length}.");
        string temp = path + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
            {
                using (Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true) : new NonClosing(file))
                {
                    stream.Write([0, 0, 0x08, (byte)array.Dims.Length]);
                    Span<byte> b = stackalloc byte[4];
                    foreach (int d in array.Dims)
                    {
                        BinaryPrimitives.WriteInt32BigEndian(b, d);
                        stream.Write(b);
                    }
                    stream.Write(array.Data);
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }
}
