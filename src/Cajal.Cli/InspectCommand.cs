using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cajal.Io;

namespace Cajal.Cli;

/// <summary>Builds the <c>inspect</c> verb: lists the tensors and metadata of a safetensors file or checkpoint.</summary>
/// <remarks>
/// Text output: one line per tensor in file order, <c>name  dtype  shape  checksum</c> in aligned columns, then
/// one line per metadata pair, <c>metadata  key  value</c>. The checksum is the 64-bit FNV-1a hash of the
/// tensor's raw bytes as stored in the file, as 16 lowercase hex digits. Control characters in names and values
/// are escaped as <c>\uXXXX</c>. A damaged file prints one <c>cajal: error: …</c> line and exits 1.
/// </remarks>
internal static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A safetensors file (.safetensors) or a Cajal checkpoint" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout and nothing else" };
        var command = new Command("inspect", "List the tensors (name, dtype, shape, FNV-1a 64 checksum of the bytes) and metadata of a safetensors file")
        {
            file, json,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetRequiredValue(file);
            var output = parse.InvocationConfiguration.Output;
            try
            {
                var header = SafeTensors.ReadHeader(path);
                var checksums = Checksums(path, header);
                if (parse.GetValue(json)) WriteJson(output, header, checksums);
                else WriteText(output, header, checksums);
                return Program.Success;
            }
            catch (SafeTensorsFormatException e)
            {
                parse.InvocationConfiguration.Error.WriteLine($"cajal: error: {e.Message}");
                return Program.RuntimeError;
            }
        });
        return command;
    }

    /// <summary>The 64-bit FNV-1a hash of each tensor's bytes, read in 64 KiB chunks.</summary>
    internal static ulong[] Checksums(string path, SafeTensorsHeader header)
    {
        var sums = new ulong[header.Entries.Count];
        var buffer = new byte[(int)Math.Min(1 << 16, Math.Max(1, header.FileLength))];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        for (int i = 0; i < sums.Length; i++)
        {
            var entry = header.Entries[i];
            stream.Position = header.DataStart + entry.DataBegin;
            ulong hash = Fnv1a64Offset;
            for (long left = entry.ByteCount; left > 0;)
            {
                int n = (int)Math.Min(buffer.Length, left);
                stream.ReadExactly(buffer, 0, n);
                hash = Fnv1a64(buffer.AsSpan(0, n), hash);
                left -= n;
            }
            sums[i] = hash;
        }
        return sums;
    }

    internal const ulong Fnv1a64Offset = 0xcbf29ce484222325UL;

    /// <summary>Continues a 64-bit FNV-1a hash over <paramref name="bytes"/>: h = (h ⊕ byte) × 0x100000001b3.</summary>
    internal static ulong Fnv1a64(ReadOnlySpan<byte> bytes, ulong hash = Fnv1a64Offset)
    {
        foreach (byte b in bytes)
            hash = (hash ^ b) * 0x100000001b3UL;
        return hash;
    }

    private static void WriteText(TextWriter output, SafeTensorsHeader header, ulong[] checksums)
    {
        var rows = header.Entries.Select((e, i) => new[]
        {
            Escape(e.Name), e.DType, FormatShape(e.Shape), checksums[i].ToString("x16", CultureInfo.InvariantCulture),
        }).ToList();
        WriteColumns(output, rows);
        WriteColumns(output, header.Metadata.Select(kv => new[] { "metadata", Escape(kv.Key), Escape(kv.Value) }).ToList());
    }

    private static void WriteColumns(TextWriter output, List<string[]> rows)
    {
        if (rows.Count == 0) return;
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            var line = new StringBuilder();
            for (int c = 0; c < row.Length; c++)
            {
                if (c > 0) line.Append("  ");
                line.Append(c < row.Length - 1 ? row[c].PadRight(widths[c]) : row[c]);
            }
            output.WriteLine(line.ToString());
        }
    }

    private static void WriteJson(TextWriter output, SafeTensorsHeader header, ulong[] checksums)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("file", header.Source);
            json.WriteNumber("header_length", header.HeaderLength);
            json.WriteNumber("file_length", header.FileLength);
            json.WriteString("checksum", "fnv1a64");
            json.WriteStartArray("tensors");
            for (int i = 0; i < header.Entries.Count; i++)
            {
                var e = header.Entries[i];
                json.WriteStartObject();
                json.WriteString("name", e.Name);
                json.WriteString("dtype", e.DType);
                json.WriteStartArray("shape");
                foreach (int d in e.Shape.ToArray()) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(e.DataBegin);
                json.WriteNumberValue(e.DataEnd);
                json.WriteEndArray();
                json.WriteString("fnv1a64", checksums[i].ToString("x16", CultureInfo.InvariantCulture));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("metadata");
            foreach (var (key, value) in header.Metadata) json.WriteString(key, value);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static string FormatShape(Shape shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    private static string Escape(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var sb = new StringBuilder();
        foreach (char c in text) sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return sb.ToString();
    }
}
