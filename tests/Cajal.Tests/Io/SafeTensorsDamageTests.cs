using Cajal.Io;
using static Cajal.Tests.Io.IoTestFiles;

namespace Cajal.Tests.Io;

public class SafeTensorsDamageTests
{
    private const string A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    private const string B = "\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}";

    private static SafeTensorsFormatException Damaged(byte[] bytes)
    {
        var e = Assert.Throws<SafeTensorsFormatException>(() => LoadBytes(bytes, "bad.safetensors"));
        Assert.StartsWith("bad.safetensors: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    public static TheoryData<string, byte[], string> Cases() => new()
    {
        { "shorter than the length field", [1, 0, 0], "the file is 3 bytes long, too short" },
        { "header length over 100 MB", Build("{}", length: 100_000_001), "header length 100000001 (bytes 0-7) is over the limit" },
        { "header length 2^64 - 1", Build("{}", length: ulong.MaxValue), "header length 18446744073709551615 (bytes 0-7) is over the limit" },
        { "header length beyond the file", Build("{}", length: 50), "header length 50 (bytes 0-7) runs past the end of the file: only 2 bytes follow" },
        { "header length 0", Build("", length: 0), "header length (bytes 0-7) is 0" },
        { "not UTF-8", BuildRaw([.. "{\""u8, 0xff, .. "\":{}}"u8]), "not valid UTF-8 at file byte 10" },
        { "an overlong UTF-8 encoding", BuildRaw([.. "{\""u8, 0xc0, 0xaf, .. "\":{}}"u8]), "not valid UTF-8 at file byte 10" },
        { "not starting with '{'", Build(" {}"), "does not start with '{' (file byte 8 is 0x20)" },
        { "not JSON", Build("{\"a\":}"), "the header is not valid JSON" },
        { "not closed", Build("{" + A), "the header is not valid JSON" },
        { "content after the object", Build("{}x"), "not valid JSON" },
        { "a tensor that is not an object", Build("{\"a\":[1]}"), "tensor 'a': expected an object" },
        { "missing dtype", Build("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "tensor 'a': the 'dtype' key is missing" },
        { "missing shape", Build("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]), "tensor 'a': the 'shape' key is missing" },
        { "missing offsets", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "tensor 'a': the 'data_offsets' key is missing" },
        { "unknown dtype", Build("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "tensor 'a': unknown dtype 'F33'" },
        { "lower-case dtype", Build("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "unknown dtype 'f32'" },
        { "negative size", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]), "shape entry 0 is -1, not a size" },
        { "fractional size", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4]), "shape entry 0 is 1.5" },
        { "size over 2^31", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[0,4]}}", new byte[4]), "shape entry 0 is 4294967296" },
        { "size as a string", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", new byte[4]), "shape entry 0 is a string" },
        { "element count over 2^63", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,4]}}", new byte[4]), "has more than 2^63 elements" },
        { "byte count over 2^63", Build("{\"a\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2],\"data_offsets\":[0,4]}}", new byte[4]), "more than 2^63 bits" },
        { "rank over 64", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + string.Join(',', Enumerable.Repeat(1, 65)) + "],\"data_offsets\":[0,4]}}", new byte[4]), "more than 64 dimensions" },
        { "one offset", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4]), "'data_offsets' has 1 entries, not two" },
        { "three offsets", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,4]}}", new byte[4]), "more than two entries" },
        { "negative offset", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", new byte[4]), "data_offsets entry 0 is -4" },
        { "offset over 2^63", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,9223372036854775808]}}", new byte[4]), "data_offsets entry 1 is 9223372036854775808" },
        { "end before begin", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", new byte[4]), "data_offsets [4, 0] end before they begin" },
        { "offsets past the data", Build("{" + A + "}", new byte[6]), "tensor 'a': data_offsets [0, 8] run past the end of the data region, which is 6 bytes" },
        { "truncated data", Build("{" + A + "," + B + "}", new byte[15]), "tensor 'b': data_offsets [8, 16] run past the end of the data region, which is 15 bytes" },
        { "bytes that do not match the shape", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]), "span 8 bytes, but shape (3) of F32 needs 12" },
        { "overlap", Build("{" + A + ",\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[4,12]}}", new byte[12]), "tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8]" },
        { "same bytes twice", Build("{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]), "overlap tensor" },
        { "gap", Build("{" + A + ",\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[12,20]}}", new byte[20]), "data region bytes 8-11 (file bytes" },
        { "leading gap", Build("{\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[4,12]}}", new byte[12]), "data region bytes 0-3" },
        { "trailing bytes", Build("{" + A + "}", new byte[9]), "data region bytes 8-8" },
        { "data but no tensors", Build("{}", new byte[4]), "data region bytes 0-3" },
        { "duplicate names", Build("{" + A + "," + A + "}", new byte[8]), "names 'a' twice" },
        { "a tensor named like the metadata twice", Build("{\"__metadata__\":{},\"__metadata__\":{}}"), "names '__metadata__' twice" },
        { "duplicate metadata keys", Build("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"), "__metadata__ names 'k' twice" },
        { "metadata value not a string", Build("{\"__metadata__\":{\"k\":1}}"), "__metadata__ value of 'k' must be a string, not a number" },
        { "metadata not an object", Build("{\"__metadata__\":[]}"), "__metadata__ must be an object of strings, not an array" },
        { "control characters in a name are escaped", Build("{\"a\\nb\":{\"dtype\":\"F99\",\"shape\":[],\"data_offsets\":[0,0]}}"), "tensor 'a\\u000ab': unknown dtype" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_damaged_file_raises_the_one_exception_naming_the_problem(string what, byte[] bytes, string expected)
    {
        var e = Damaged(bytes);
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"{what}: '{e.Message}' lacks '{expected}'");
    }

    [Fact]
    public void The_valid_base_of_the_cases_loads()
    {
        var data = new byte[16];
        BitConverter.GetBytes(2.5f).CopyTo(data, 4);
        BitConverter.GetBytes(-9L).CopyTo(data, 8);
        var file = LoadBytes(Build("{" + B + "," + A + "}  ", data));
        Assert.Equal(["a", "b"], file.Tensors.Keys);   // data order, not header order
        Assert.Equal([0f, 2.5f], file.Tensors["a"].ToArray<float>());
        Assert.Equal(-9L, file.Tensors["b"].Item<long>());
    }

    [Fact]
    public void Every_truncation_of_a_valid_file_is_reported_with_the_file_name()
    {
        using var folder = new TempFolder();
        var bytes = SaveToBytes(new Dictionary<string, Tensor> { ["w"] = Tensor.Ones([3, 2]), ["i"] = Tensor.Arange(4) },
                                new Dictionary<string, string> { ["k"] = "v" });
        var path = folder.File("cut.safetensors");
        for (int length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(path, bytes[..length]);
            var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Load(path));
            Assert.StartsWith(path + ": ", e.Message);
        }
    }

    [Fact]
    public void A_very_long_hostile_name_is_shortened_in_the_message()
    {
        var name = new string('x', 5000);
        var e = Damaged(Build($"{{\"{name}\":{{\"dtype\":\"Q\",\"shape\":[],\"data_offsets\":[0,0]}}}}"));
        Assert.True(e.Message.Length < 300, e.Message);
        Assert.Contains("(5000 characters)", e.Message);
    }

    [Fact]
    public void A_header_too_deeply_nested_is_a_format_error_not_a_crash()
    {
        var deep = "{\"a\":{\"x\":" + new string('[', 10_000) + new string(']', 10_000) + "}}";
        Assert.Contains("not valid JSON", Damaged(Build(deep)).Message);
    }

    [Fact]
    public void A_stream_that_cannot_seek_is_an_argument_error()
    {
        Assert.Throws<ArgumentException>(() => SafeTensors.Load(new NonSeekable(), "s"));
    }

    private sealed class NonSeekable : MemoryStream
    {
        public override bool CanSeek => false;
    }
}
