using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Cajal.Io;

/// <summary>One tensor as a safetensors header describes it: name, dtype, shape and where its bytes lie.</summary>
public sealed class SafeTensorsEntry
{
    internal SafeTensorsEntry(string name, SafeTensorsDType dtype, int[] dims, long begin, long end, long byteCount)
    {
        Name = name;
        Info = dtype;
        Shape = new Shape(dims);
        DataBegin = begin;
        DataEnd = end;
        ByteCount = byteCount;
    }

    /// <summary>The tensor's name, such as <c>fc1.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The dtype as the file names it: <c>F32</c>, <c>F64</c>, <c>I64</c>, <c>F16</c>, <c>BOOL</c>, ….</summary>
    public string DType => Info.Name;

    /// <summary>The Cajal dtype <see cref="SafeTensors.Load(string)"/> gives this tensor, or null when it cannot load it.</summary>
    public DType? LoadsAs => Info.Target;

    /// <summary>The tensor's shape; a scalar has rank 0.</summary>
    public Shape Shape { get; }

    /// <summary>Offset of the first byte, relative to the start of the data region.</summary>
    public long DataBegin { get; }

    /// <summary>Offset one past the last byte, relative to the start of the data region.</summary>
    public long DataEnd { get; }

    /// <summary>The number of data bytes, <c>DataEnd − DataBegin</c>, which equals elements × element size.</summary>
    public long ByteCount { get; }

    internal SafeTensorsDType Info { get; }
}

/// <summary>A validated safetensors header: the tensors in data order, the metadata, and the file's layout.</summary>
/// <remarks>
/// Reading a header checks everything that can be checked without reading tensor data: the length field, the
/// JSON, every dtype, shape and offset, and that the tensors tile the data region exactly. A header that reads
/// without a <see cref="SafeTensorsFormatException"/> describes bytes that are all present in the file.
/// </remarks>
public sealed class SafeTensorsHeader
{
    private SafeTensorsHeader(string source, IReadOnlyList<SafeTensorsEntry> entries,
                              IReadOnlyDictionary<string, string> metadata, long headerLength, long fileLength)
    {
        Source = source;
        Entries = entries;
        Metadata = metadata;
        HeaderLength = headerLength;
        FileLength = fileLength;
    }

    /// <summary>The file the header was read from (or the name given for a stream), as used in error messages.</summary>
    public string Source { get; }

    /// <summary>The tensors, in the order their bytes appear in the data region.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> string pairs in header order; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The header's length in bytes, as stored in the first 8 bytes (padding included).</summary>
    public long HeaderLength { get; }

    /// <summary>Where the data region starts in the file: 8 + <see cref="HeaderLength"/>.</summary>
    public long DataStart => 8 + HeaderLength;

    /// <summary>The file's length in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Reads and validates the header of a seekable stream positioned anywhere; the stream's length is the file's.</summary>
    internal static SafeTensorsHeader Read(Stream stream, string source)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw Problem(source, $"the file is {fileLength} bytes long, too short for the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        stream.Position = 0;
        ReadExactly(stream, prefix, source, "the header length (bytes 0-7)");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length > SafeTensors.MaxHeaderLength)
            throw Problem(source, $"the header length {length} (bytes 0-7) is over the limit of {SafeTensors.MaxHeaderLength} bytes");
        if (length > (ulong)(fileLength - 8))
            throw Problem(source, $"the header length {length} (bytes 0-7) runs past the end of the file: only {fileLength - 8} bytes follow");
        if (length == 0)
            throw Problem(source, "the header length (bytes 0-7) is 0; a header is at least '{}'");

        // Bounded by the checks above: never more than the file holds.
        var header = new byte[length];
        ReadExactly(stream, header, source, $"the header (bytes 8-{8 + (long)length - 1})");
        int bad = FirstInvalidUtf8(header);
        if (bad >= 0)
            throw Problem(source, $"the header is not valid UTF-8 at file byte {8 + bad}");
        if (header[0] != (byte)'{')
            throw Problem(source, $"the header does not start with '{{' (file byte 8 is 0x{header[0]:X2})");

        var (entries, metadata) = ParseJson(header, source);
        long dataLength = fileLength - 8 - (long)length;
        Validate(entries, dataLength, 8 + (long)length, source);
        return new SafeTensorsHeader(source, entries, metadata, (long)length, fileLength);
    }

    private static (List<SafeTensorsEntry>, OrderedDictionary<string, string>) ParseJson(byte[] header, string source)
    {
        var entries = new List<SafeTensorsEntry>();
        var metadata = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(header, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            reader.Read();   // '{', checked by the caller
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!seen.Add(name))
                    throw Problem(source, $"the header names {Quote(name)} twice (near file byte {8 + reader.TokenStartIndex})");
                reader.Read();
                if (name == "__metadata__")
                    ReadMetadata(ref reader, metadata, source);
                else
                    entries.Add(ReadEntry(ref reader, name, source));
            }
            if (reader.TokenType != JsonTokenType.EndObject)
                throw Problem(source, $"the header object is malformed near file byte {8 + reader.TokenStartIndex}");
            // Only whitespace (the reference pads with spaces) may follow; anything else is a JsonException here.
            if (reader.Read())
                throw Problem(source, $"the header has content after its closing '}}' at file byte {8 + reader.TokenStartIndex}");
        }
        catch (JsonException e)
        {
            throw Problem(source, $"the header is not valid JSON: {OneLine(e.Message)} (the header starts at file byte 8)", e);
        }
        return (entries, metadata);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, OrderedDictionary<string, string> metadata, string source)
    {
        if (reader.TokenType == JsonTokenType.Null) return;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Problem(source, $"__metadata__ must be an object of strings, not {Describe(reader.TokenType)}");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw Problem(source, $"__metadata__ value of {Quote(key)} must be a string, not {Describe(reader.TokenType)}");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Problem(source, $"__metadata__ names {Quote(key)} twice");
        }
    }

    private static SafeTensorsEntry ReadEntry(ref Utf8JsonReader reader, string name, string source)
    {
        string where = $"tensor {Quote(name)}";
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Problem(source, $"{where}: expected an object with dtype, shape and data_offsets, found {Describe(reader.TokenType)}");
        string? dtypeName = null;
        int[]? dims = null;
        long[]? offsets = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            switch (key)
            {
                case "dtype":
                    if (dtypeName is not null) throw Problem(source, $"{where}: 'dtype' is given twice");
                    if (reader.TokenType != JsonTokenType.String)
                        throw Problem(source, $"{where}: 'dtype' must be a string, not {Describe(reader.TokenType)}");
                    dtypeName = reader.GetString()!;
                    break;
                case "shape":
                    if (dims is not null) throw Problem(source, $"{where}: 'shape' is given twice");
                    dims = ReadShape(ref reader, where, source);
                    break;
                case "data_offsets":
                    if (offsets is not null) throw Problem(source, $"{where}: 'data_offsets' is given twice");
                    offsets = ReadOffsets(ref reader, where, source);
                    break;
                default:
                    reader.Skip();   // the reference ignores unknown fields
                    break;
            }
        }
        if (dtypeName is null) throw Problem(source, $"{where}: the 'dtype' key is missing");
        if (dims is null) throw Problem(source, $"{where}: the 'shape' key is missing");
        if (offsets is null) throw Problem(source, $"{where}: the 'data_offsets' key is missing");
        if (!SafeTensorsDTypes.TryGet(dtypeName, out var dtype))
            throw Problem(source, $"{where}: unknown dtype {Quote(dtypeName)}");

        // Each dim is below 2^31 and there are at most 64, so the product overflows only through a long; check it.
        long elements = 1;
        foreach (int d in dims)
        {
            if (d == 0) { elements = 0; break; }
            if (elements > long.MaxValue / d)
                throw Problem(source, $"{where}: shape {Shape.Format(dims)} has more than 2^63 elements");
            elements *= d;
        }
        if (elements > long.MaxValue / dtype.Bits)
            throw Problem(source, $"{where}: shape {Shape.Format(dims)} of {dtype.Name} is more than 2^63 bits");
        long bits = elements * dtype.Bits;
        if (bits % 8 != 0)
            throw Problem(source, $"{where}: shape {Shape.Format(dims)} of {dtype.Name} is {bits} bits, not a whole number of bytes");
        return new SafeTensorsEntry(name, dtype, dims, offsets[0], offsets[1], bits / 8);
    }

    private static int[] ReadShape(ref Utf8JsonReader reader, string where, string source)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Problem(source, $"{where}: 'shape' must be an array of sizes, not {Describe(reader.TokenType)}");
        var dims = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (dims.Count == SafeTensors.MaxRank)
                throw Problem(source, $"{where}: 'shape' has more than {SafeTensors.MaxRank} dimensions");
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long d) || d < 0 || d > int.MaxValue)
                throw Problem(source, $"{where}: shape entry {dims.Count} is {TokenText(ref reader)}, not a size from 0 to {int.MaxValue}");
            dims.Add((int)d);
        }
        return [.. dims];
    }

    private static long[] ReadOffsets(ref Utf8JsonReader reader, string where, string source)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Problem(source, $"{where}: 'data_offsets' must be an array [begin, end], not {Describe(reader.TokenType)}");
        var offsets = new long[2];
        int count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (count == 2)
                throw Problem(source, $"{where}: 'data_offsets' has more than two entries");
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v) || v < 0)
                throw Problem(source, $"{where}: data_offsets entry {count} is {TokenText(ref reader)}, not a byte offset from 0 to 2^63 - 1");
            offsets[count++] = v;
        }
        if (count != 2)
            throw Problem(source, $"{where}: 'data_offsets' has {count} entries, not two [begin, end]");
        return offsets;
    }

    /// <summary>The checks of the reference implementation: the tensors, sorted by offsets, tile the data region exactly.</summary>
    private static void Validate(List<SafeTensorsEntry> entries, long dataLength, long dataStart, string source)
    {
        foreach (var e in entries)
        {
            string where = $"tensor {Quote(e.Name)}: data_offsets [{e.DataBegin}, {e.DataEnd}]";
            if (e.DataEnd < e.DataBegin)
                throw Problem(source, $"{where} end before they begin");
            if (e.DataEnd > dataLength)
                throw Problem(source, $"{where} run past the end of the data region, which is {dataLength} bytes (file bytes {dataStart}-{dataStart + dataLength - 1})");
            if (e.DataEnd - e.DataBegin != e.ByteCount)
                throw Problem(source, $"{where} span {e.DataEnd - e.DataBegin} bytes, but shape {e.Shape} of {e.DType} needs {e.ByteCount}");
        }
        entries.Sort((a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
        long covered = 0;
        SafeTensorsEntry? previous = null;
        foreach (var e in entries)
        {
            if (e.DataBegin < covered)
                throw Problem(source, $"tensor {Quote(e.Name)}: data_offsets [{e.DataBegin}, {e.DataEnd}] overlap tensor {Quote(previous!.Name)} [{previous.DataBegin}, {previous.DataEnd}]");
            if (e.DataBegin > covered)
                throw Problem(source, $"data region bytes {covered}-{e.DataBegin - 1} (file bytes {dataStart + covered}-{dataStart + e.DataBegin - 1}) belong to no tensor, before tensor {Quote(e.Name)}");
            covered = e.DataEnd;
            previous = e;
        }
        if (covered != dataLength)
            throw Problem(source, $"data region bytes {covered}-{dataLength - 1} (file bytes {dataStart + covered}-{dataStart + dataLength - 1}) belong to no tensor; the tensors must cover the data region exactly");
    }

    internal static void ReadExactly(Stream stream, Span<byte> buffer, string source, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw Problem(source, $"the file ends inside {what}", e);
        }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            if (bytes[i] < 0x80) { i++; continue; }
            if (System.Text.Rune.DecodeFromUtf8(bytes[i..], out _, out int consumed) != System.Buffers.OperationStatus.Done)
                return i;
            i += consumed;
        }
        return -1;
    }

    internal static SafeTensorsFormatException Problem(string source, string problem, Exception? inner = null)
    {
        string message = $"{source}: {problem}.";
        return inner is null ? new SafeTensorsFormatException(message) : new SafeTensorsFormatException(message, inner);
    }

    /// <summary>A name as it appears in messages: quoted, control characters escaped, at most 80 characters.</summary>
    internal static string Quote(string name)
    {
        var sb = new StringBuilder("'");
        foreach (char c in name.Length > 80 ? name[..80] : name)
        {
            if (char.IsControl(c)) sb.Append($"\\u{(int)c:x4}");
            else sb.Append(c);
        }
        if (name.Length > 80) sb.Append($"…' ({name.Length} characters)");
        else sb.Append('\'');
        return sb.ToString();
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split((char[])['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static string TokenText(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number) return Describe(reader.TokenType);
        var span = reader.ValueSpan;
        return span.Length > 40 ? Encoding.UTF8.GetString(span[..40]) + "…" : Encoding.UTF8.GetString(span);
    }
}
