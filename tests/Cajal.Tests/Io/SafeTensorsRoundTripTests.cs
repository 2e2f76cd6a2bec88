using System.Buffers.Binary;
using System.Text;
using Cajal.Io;
using static Cajal.Tests.Io.IoTestFiles;

namespace Cajal.Tests.Io;

public class SafeTensorsRoundTripTests
{
    private static Dictionary<string, Tensor> Sample()
    {
        var rng = new Generator(11);
        return new Dictionary<string, Tensor>
        {
            ["features.0.weight"] = Tensor.RandN([5, 3, 3, 3], rng),
            ["features.0.bias"] = Tensor.RandN([5], rng),
            ["head.weight"] = Tensor.RandN([2, 7], rng, DType.Float64),
            ["bn.num_batches_tracked"] = Tensor.FromArray(new long[] { 42 }).Reshape(),
            ["indices"] = Tensor.FromArray(new long[] { long.MinValue, -1, 0, long.MaxValue, 3 }, 5),
            ["empty"] = Tensor.Zeros([0, 4]),
            ["scalar"] = Tensor.Scalar(2.5, DType.Float64),
            ["odd"] = Tensor.FromArray(new float[] { 1, 2, 3 }, 3),
        };
    }

    [Fact]
    public void Save_then_load_gives_the_same_tensors_bit_for_bit_in_the_same_order()
    {
        using var folder = new TempFolder();
        var tensors = Sample();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["run"] = "é ü 名前 \"quoted\"\n" };
        var path = folder.File("model.safetensors");
        SafeTensors.Save(path, tensors, metadata);

        var loaded = SafeTensors.Load(path);
        Assert.Equal(tensors.Keys, loaded.Tensors.Keys);
        foreach (var (name, t) in tensors)
        {
            AssertBitEqual(t, loaded.Tensors[name]);
            Assert.False(loaded.Tensors[name].RequiresGrad);
        }
        Assert.Equal(metadata, loaded.Metadata);
    }

    [Fact]
    public void Special_float_values_keep_their_exact_bits()
    {
        var floats = new[] { float.NaN, BitConverter.Int32BitsToSingle(0x7fc01234), -0f, float.Epsilon, float.PositiveInfinity, float.MinValue };
        var doubles = new[] { double.NaN, BitConverter.Int64BitsToDouble(unchecked((long)0xfff8_0000_dead_beefUL)), -0.0, double.Epsilon, double.NegativeInfinity };
        var tensors = new Dictionary<string, Tensor>
        {
            ["f"] = Tensor.FromArray(floats, floats.Length),
            ["d"] = Tensor.FromArray(doubles, doubles.Length),
        };
        var loaded = LoadBytes(SaveToBytes(tensors));
        AssertBitEqual(tensors["f"], loaded.Tensors["f"]);
        AssertBitEqual(tensors["d"], loaded.Tensors["d"]);
    }

    [Fact]
    public void Views_are_written_as_their_elements_in_row_major_order()
    {
        var x = Tensor.Arange(0, 12, dtype: DType.Float32).Reshape(3, 4);
        var view = x.Transpose(0, 1);                       // (4, 3), not contiguous
        var loaded = LoadBytes(SaveToBytes(new Dictionary<string, Tensor> { ["t"] = view }));
        Assert.Equal(new Shape(4, 3), loaded.Tensors["t"].Shape);
        Assert.Equal(view.ToArray<float>(), loaded.Tensors["t"].ToArray<float>());
    }

    [Fact]
    public void The_header_is_compact_json_padded_with_spaces_to_8_bytes_with_metadata_first()
    {
        var bytes = SaveToBytes(
            new Dictionary<string, Tensor> { ["b"] = Tensor.FromArray(new float[] { 1, 2 }, 2), ["a"] = Tensor.FromArray(new long[] { 7 }, 1) },
            new Dictionary<string, string> { ["k"] = "v" });
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        const string json = "{\"__metadata__\":{\"k\":\"v\"},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}";
        Assert.Equal(json, header.TrimEnd(' '));
        Assert.True(header.Length - json.Length < 8);
        Assert.Equal(8 + (int)n + 16, bytes.Length);
        Assert.Equal(1f, BitConverter.ToSingle(bytes, 8 + (int)n));
        Assert.Equal(7L, BitConverter.ToInt64(bytes, 8 + (int)n + 8));
    }

    [Fact]
    public void No_metadata_means_no_metadata_key_and_an_empty_dictionary_on_load()
    {
        var bytes = SaveToBytes(new Dictionary<string, Tensor> { ["x"] = Tensor.Zeros([1]) });
        Assert.DoesNotContain("__metadata__", Encoding.UTF8.GetString(bytes));
        Assert.Empty(LoadBytes(bytes).Metadata);
        Assert.Empty(LoadBytes(SaveToBytes(new Dictionary<string, Tensor>())).Tensors);
    }

    [Fact]
    public void Saving_the_same_tensors_twice_gives_the_same_bytes()
    {
        Assert.Equal(SaveToBytes(Sample(), new Dictionary<string, string> { ["a"] = "1" }),
                     SaveToBytes(Sample(), new Dictionary<string, string> { ["a"] = "1" }));
    }

    [Fact]
    public void Save_rejects_the_reserved_name_and_null_values()
    {
        var e = Assert.Throws<ArgumentException>(() => SaveToBytes(new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Zeros([1]) }));
        Assert.Contains("__metadata__", e.Message);
        e = Assert.Throws<ArgumentException>(() => SaveToBytes(new Dictionary<string, Tensor> { ["w"] = null! }));
        Assert.Contains("'w'", e.Message);
        e = Assert.Throws<ArgumentException>(() => SaveToBytes(new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["k"] = null! }));
        Assert.Contains("'k'", e.Message);
    }

    [Fact]
    public void Header_entries_are_in_data_order_and_describe_the_bytes()
    {
        var bytes = SaveToBytes(Sample());
        var header = SafeTensors.ReadHeader(new MemoryStream(bytes), "x");
        Assert.Equal(Sample().Keys, header.Entries.Select(e => e.Name));
        Assert.Equal(bytes.Length, header.FileLength);
        long offset = 0;
        foreach (var e in header.Entries)
        {
            Assert.Equal(offset, e.DataBegin);
            offset = e.DataEnd;
        }
        Assert.Equal(bytes.Length - header.DataStart, offset);
        var w = header.Entries[0];
        Assert.Equal(("F32", new Shape(5, 3, 3, 3), 5 * 27 * 4L, (DType?)DType.Float32), (w.DType, w.Shape, w.ByteCount, w.LoadsAs));
    }

    [Theory]
    [InlineData("U64", 8)]
    [InlineData("F8_E4M3", 1)]
    [InlineData("C64", 8)]
    public void Recognised_dtypes_Cajal_cannot_hold_are_listed_by_the_header_and_refused_by_load(string dtype, int size)
    {
        var bytes = Build($"{{\"x\":{{\"dtype\":\"{dtype}\",\"shape\":[2],\"data_offsets\":[0,{2 * size}]}}}}", new byte[2 * size]);
        var header = SafeTensors.ReadHeader(new MemoryStream(bytes), "odd.safetensors");
        Assert.Equal(dtype, header.Entries[0].DType);
        Assert.Null(header.Entries[0].LoadsAs);
        var e = Assert.Throws<SafeTensorsFormatException>(() => LoadBytes(bytes, "odd.safetensors"));
        Assert.Contains($"tensor 'x': unsupported dtype {dtype}", e.Message);
        Assert.StartsWith("odd.safetensors: ", e.Message);
    }

    [Fact]
    public void Widened_dtypes_convert_exactly()
    {
        // BF16 0x4049 = 3.140625, F16 0x3c00 = 1, 0xfbff = -65504; I16 -2, U16 65535; BOOL 2 reads as 1.
        var data = new byte[] { 0x49, 0x40, 0x00, 0x3c, 0xff, 0xfb, 0xfe, 0xff, 0xff, 0xff, 0x02, 0x00 };
        var bytes = Build("{\"b\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[0,2]},\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[2,6]}," +
                          "\"i\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[6,8]},\"u\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[8,10]}," +
                          "\"m\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[10,12]}}", data);
        var t = LoadBytes(bytes).Tensors;
        Assert.Equal([3.140625f], t["b"].ToArray<float>());
        Assert.Equal([1f, -65504f], t["h"].ToArray<float>());
        Assert.Equal([-2L], t["i"].ToArray<long>());
        Assert.Equal([65535L], t["u"].ToArray<long>());
        Assert.Equal([1L, 0L], t["m"].ToArray<long>());
    }

    [Fact]
    public void Unknown_fields_in_a_tensor_entry_are_ignored_as_the_reference_does()
    {
        var bytes = Build("{\"x\":{\"extra\":{\"a\":[1,{}]},\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}  ", BitConverter.GetBytes(1.5f));
        Assert.Equal(1.5f, LoadBytes(bytes).Tensors["x"].Item<float>());
    }

    [Fact]
    public void Widened_tensors_larger_than_the_read_chunk_convert_every_element()
    {
        const int n = 150_001;                                // U8: 2.3 chunks of 64 KiB; I16: 4.6 chunks
        var u8 = new byte[n];
        var i16 = new byte[2 * n];
        for (int i = 0; i < n; i++)
        {
            u8[i] = (byte)(i * 7);
            BinaryPrimitives.WriteInt16LittleEndian(i16.AsSpan(2 * i), (short)(i * 13 - 30_000));
        }
        var bytes = Build($"{{\"u\":{{\"dtype\":\"U8\",\"shape\":[{n}],\"data_offsets\":[0,{n}]}}," +
                          $"\"s\":{{\"dtype\":\"I16\",\"shape\":[{n}],\"data_offsets\":[{n},{3 * n}]}}}}", [.. u8, .. i16]);
        var t = LoadBytes(bytes).Tensors;
        var u = t["u"].ToArray<long>();
        var s = t["s"].ToArray<long>();
        for (int i = 0; i < n; i++)
        {
            Assert.Equal((byte)(i * 7), u[i]);
            Assert.Equal((short)(i * 13 - 30_000), s[i]);
        }
    }
}
