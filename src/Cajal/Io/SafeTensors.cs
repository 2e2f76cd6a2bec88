using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cajal.Io;

/// <summary>The tensors and metadata of a safetensors file, as <see cref="SafeTensors.Load(string)"/> returns them.</summary>
/// <param name="Tensors">The tensors by name, in the order their bytes appear in the file.</param>
/// <param name="Metadata">The <c>__metadata__</c> string pairs; empty when the file has none.</param>
public sealed record SafeTensorsFile(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>Reads and writes the safetensors format of Hugging Face: state dicts that PyTorch and Cajal share.</summary>
/// <remarks>
/// <para>Layout: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON
/// <c>{"__metadata__": {…}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …}</c>,
/// padded with spaces so that the data starts at a multiple of 8; then the raw little-endian data, offsets
/// counted from the first byte after the header. See docs/formats.md.</para>
/// <para>Writing: tensors are written in the order the dictionary enumerates them (for a
/// <see cref="Dictionary{TKey, TValue}"/>, insertion order), contiguous, with no gaps; <c>__metadata__</c> comes first
/// and is left out when there is none. The same input always gives the same bytes. Saving to a path is atomic
/// (<see cref="AtomicFile"/>).</para>
/// <para>Reading: F32, F64 and I64 load as Float32, Float64 and Int64; F16 and BF16 widen exactly to Float32;
/// I32, U32, I16, U16, I8, U8 and BOOL widen to Int64 (BOOL as 0 or 1). U64, the 8/6/4-bit floats and C64 are
/// refused. Any damaged, hostile or unloadable file raises <see cref="SafeTensorsFormatException"/>. Every size is
/// checked against the file's length before anything is allocated: the header buffer is at most the file's size,
/// and tensor storage is at most the data region's size (up to 8× that for the widened 1-byte types).</para>
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest header accepted, in bytes, as in the reference implementation (100 MB).</summary>
    public const int MaxHeaderLength = 100_000_000;

    /// <summary>The largest rank accepted in a header.</summary>
    public const int MaxRank = 64;

    private const int ChunkSize = 1 << 16;

    /// <summary>Writes tensors and metadata to a safetensors file, atomically.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="tensors">The tensors by name, written in enumeration order. Views are written as their elements.</param>
    /// <param name="metadata">Free-form string pairs stored as <c>__metadata__</c>; null or empty for none.</param>
    /// <exception cref="ArgumentException">A name is <c>__metadata__</c>, or a tensor or metadata value is null.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var plan = Plan(tensors, metadata);
        AtomicFile.Write(path, stream => Write(stream, plan));
    }

    /// <summary>Writes tensors and metadata in the safetensors format to a stream, from its current position.</summary>
    /// <param name="stream">A writable stream; it is left open.</param>
    /// <param name="tensors">The tensors by name, written in enumeration order.</param>
    /// <param name="metadata">Free-form string pairs stored as <c>__metadata__</c>; null or empty for none.</param>
    public static void Save(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Write(stream, Plan(tensors, metadata));
    }

    /// <summary>Reads every tensor and the metadata of a safetensors file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The tensors (not requiring gradients) in file order, and the metadata.</returns>
    /// <exception cref="SafeTensorsFormatException">The file is damaged, or holds a dtype Cajal cannot load.</exception>
    public static SafeTensorsFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        return Load(stream, path);
    }

    /// <summary>Reads every tensor and the metadata from a seekable stream that holds exactly one safetensors file.</summary>
    /// <param name="stream">A readable, seekable stream; its length is taken as the file's.</param>
    /// <param name="source">The name used in error messages.</param>
    /// <returns>The tensors (not requiring gradients) in file order, and the metadata.</returns>
    /// <exception cref="SafeTensorsFormatException">The content is damaged, or holds a dtype Cajal cannot load.</exception>
    public static SafeTensorsFile Load(Stream stream, string source = "<stream>")
    {
        if (!BitConverter.IsLittleEndian) throw BigEndian();
        var header = ReadHeader(stream, source);
        foreach (var entry in header.Entries)
        {
            if (entry.LoadsAs is null)
                throw SafeTensorsHeader.Problem(source, $"tensor {SafeTensorsHeader.Quote(entry.Name)}: unsupported dtype {entry.DType}; Cajal loads F32, F64, I64, F16, BF16, I32, U32, I16, U16, I8, U8 and BOOL");
            if (entry.ByteCount / (entry.Info.Bits / 8) > Array.MaxLength)
                throw SafeTensorsHeader.Problem(source, $"tensor {SafeTensorsHeader.Quote(entry.Name)}: shape {entry.Shape} has more elements than a Cajal tensor can hold ({Array.MaxLength})");
        }

        var tensors = new OrderedDictionary<string, Tensor>(header.Entries.Count, StringComparer.Ordinal);
        byte[]? chunk = null;
        foreach (var entry in header.Entries)
        {
            var tensor = Tensor.Empty(entry.Shape.ToArray(), entry.LoadsAs!.Value);
            stream.Position = header.DataStart + entry.DataBegin;
            string what = $"tensor {SafeTensorsHeader.Quote(entry.Name)} (file bytes {header.DataStart + entry.DataBegin}-{header.DataStart + entry.DataEnd - 1})";
            if (entry.Info.IsNative)
            {
                SafeTensorsHeader.ReadExactly(stream, RawBytes(tensor), source, what);
            }
            else
            {
                chunk ??= new byte[(int)Math.Min(ChunkSize, header.FileLength)];
                ReadConverted(stream, entry, tensor, chunk, source, what);
            }
            tensors.Add(entry.Name, tensor);
        }
        return new SafeTensorsFile(tensors, header.Metadata);
    }

    /// <summary>Reads and validates the header of a safetensors file, without reading tensor data.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The tensors' names, dtypes, shapes and offsets, and the metadata.</returns>
    /// <exception cref="SafeTensorsFormatException">The file is damaged.</exception>
    /// <remarks>Dtypes that <see cref="Load(string)"/> refuses (U64, 8-bit floats, …) are accepted here.</remarks>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        return SafeTensorsHeader.Read(stream, path);
    }

    /// <summary>Reads and validates the header from a seekable stream that holds exactly one safetensors file.</summary>
    /// <param name="stream">A readable, seekable stream; its length is taken as the file's.</param>
    /// <param name="source">The name used in error messages.</param>
    /// <returns>The tensors' names, dtypes, shapes and offsets, and the metadata.</returns>
    /// <exception cref="SafeTensorsFormatException">The content is damaged.</exception>
    public static SafeTensorsHeader ReadHeader(Stream stream, string source = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        if (!stream.CanRead || !stream.CanSeek)
            throw new ArgumentException("SafeTensors: the stream must be readable and seekable.", nameof(stream));
        return SafeTensorsHeader.Read(stream, source);
    }

    private sealed record WritePlan(byte[] Header, List<Tensor> Tensors);

    /// <summary>Validates the input and builds the padded header before anything is written.</summary>
    private static WritePlan Plan(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian) throw BigEndian();
        var buffer = new ArrayBufferWriter<byte>();
        var list = new List<Tensor>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    if (value is null)
                        throw new ArgumentException($"SafeTensors.Save: metadata value of '{key}' is null.", nameof(metadata));
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                if (name == "__metadata__")
                    throw new ArgumentException("SafeTensors.Save: '__metadata__' is reserved and cannot name a tensor.", nameof(tensors));
                if (tensor is null)
                    throw new ArgumentException($"SafeTensors.Save: tensor '{name}' is null.", nameof(tensors));
                var contiguous = tensor.Contiguous();
                long bytes = (long)contiguous.Count * contiguous.DType.ElementSize();
                json.WriteStartObject(name);
                json.WriteString("dtype", SafeTensorsDTypes.NameOf(contiguous.DType));
                json.WriteStartArray("shape");
                foreach (int d in contiguous.Dims) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
                list.Add(contiguous);
            }
            json.WriteEndObject();
        }
        // Pad with spaces (valid trailing JSON whitespace) so the data starts 8-byte aligned, as the reference does.
        int padded = (buffer.WrittenCount + 7) & ~7;
        if (padded > MaxHeaderLength)
            throw new ArgumentException($"SafeTensors.Save: the header would be {padded} bytes, over the limit of {MaxHeaderLength}.", nameof(tensors));
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return new WritePlan(header, list);
    }

    private static void Write(Stream stream, WritePlan plan)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)plan.Header.Length);
        stream.Write(prefix);
        stream.Write(plan.Header);
        foreach (var tensor in plan.Tensors)
            stream.Write(tensor.RawBytes());
    }

    private static Span<byte> RawBytes(Tensor tensor) => tensor.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(tensor.Span<float>()),
        DType.Float64 => MemoryMarshal.AsBytes(tensor.Span<double>()),
        _ => MemoryMarshal.AsBytes(tensor.Span<long>()),
    };

    /// <summary>Reads a widened dtype chunk by chunk; every conversion here is exact.</summary>
    private static void ReadConverted(Stream stream, SafeTensorsEntry entry, Tensor tensor, byte[] chunk, string source, string what)
    {
        int size = entry.Info.Bits / 8;
        int perChunk = chunk.Length / size;
        long total = entry.ByteCount / size;
        for (long done = 0; done < total;)
        {
            int n = (int)Math.Min(perChunk, total - done);
            var bytes = chunk.AsSpan(0, n * size);
            SafeTensorsHeader.ReadExactly(stream, bytes, source, what);
            if (tensor.DType == DType.Float32)
                WidenToSingle(entry.DType, bytes, tensor.Span<float>().Slice((int)done, n));
            else
                WidenToInt64(entry.DType, bytes, tensor.Span<long>().Slice((int)done, n));
            done += n;
        }
    }

    private static void WidenToSingle(string dtype, ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        if (dtype == "F16")
        {
            for (int i = 0; i < destination.Length; i++)
                destination[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]));
            return;
        }
        // BF16 is the top half of an F32, so shifting it back is exact (NaN payloads included).
        for (int i = 0; i < destination.Length; i++)
            destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
    }

    private static void WidenToInt64(string dtype, ReadOnlySpan<byte> bytes, Span<long> destination)
    {
        switch (dtype)
        {
            case "I32":
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
                break;
            case "U32":
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(4 * i)..]);
                break;
            case "I16":
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes[(2 * i)..]);
                break;
            case "U16":
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]);
                break;
            case "I8":
                for (int i = 0; i < destination.Length; i++) destination[i] = (sbyte)bytes[i];
                break;
            case "U8":
                for (int i = 0; i < destination.Length; i++) destination[i] = bytes[i];
                break;
            default:   // BOOL
                for (int i = 0; i < destination.Length; i++) destination[i] = bytes[i] != 0 ? 1 : 0;
                break;
        }
    }

    private static PlatformNotSupportedException BigEndian() =>
        new("SafeTensors: safetensors data is little-endian and Cajal reads and writes it only on little-endian machines.");
}
