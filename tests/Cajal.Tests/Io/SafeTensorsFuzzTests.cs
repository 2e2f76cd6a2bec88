using System.Buffers.Binary;
using System.Diagnostics;
using Cajal.Io;
using Xunit.Abstractions;
using static Cajal.Tests.Io.IoTestFiles;

namespace Cajal.Tests.Io;

public class SafeTensorsFuzzTests(ITestOutputHelper output)
{
    private const int Mutations = 5000;

    // Bytes that steer mutations into the JSON's structure rather than only into string contents.
    private static readonly byte[] Interesting = "{}[]\",:-0123456789 eE.\\u"u8.ToArray();

    private static byte[] CajalSeed()
    {
        var rng = new Generator(5);
        return SaveToBytes(new Dictionary<string, Tensor>
        {
            ["conv.weight"] = Tensor.RandN([4, 2, 3, 3], rng),
            ["conv.bias"] = Tensor.RandN([4], rng),
            ["fc.weight"] = Tensor.RandN([3, 5], rng, DType.Float64),
            ["steps"] = Tensor.Arange(6),
            ["scalar"] = Tensor.Scalar(1.0),
            ["empty"] = Tensor.Zeros([2, 0]),
        }, new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "12", ["note"] = "fuzz seed é" });
    }

    private static byte[] Mutate(byte[] seed, Generator rng)
    {
        var bytes = (byte[])seed.Clone();
        long headerEnd = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(seed);
        int Position(bool headerOnly) => (int)rng.NextInt64(0, headerOnly ? Math.Min(headerEnd, bytes.Length) : bytes.Length);
        int edits = (int)rng.NextInt64(1, 4);
        for (int k = 0; k < edits && bytes.Length > 8; k++)
        {
            switch (rng.NextInt64(0, 8))
            {
                case 0:   // flip one bit anywhere
                    bytes[Position(false)] ^= (byte)(1 << (int)rng.NextInt64(0, 8));
                    break;
                case 1:   // flip one bit in the length field or header
                    bytes[Position(true)] ^= (byte)(1 << (int)rng.NextInt64(0, 8));
                    break;
                case 2:   // overwrite a header byte with a structural character
                    bytes[Position(true)] = Interesting[rng.NextInt64(0, Interesting.Length)];
                    break;
                case 3:   // overwrite a byte with anything
                    bytes[Position(false)] = (byte)rng.NextInt64(0, 256);
                    break;
                case 4:   // a new header length: nearby, random, or huge
                    ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
                    ulong[] choices = [n + (ulong)rng.NextInt64(-16, 17), rng.NextUInt64(), (ulong)rng.NextInt64(0, bytes.Length * 2), 100_000_000];
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, choices[rng.NextInt64(0, choices.Length)]);
                    break;
                case 5:   // truncate
                    bytes = bytes[..Position(false)];
                    break;
                case 6:   // insert a few random or structural bytes
                {
                    int at = Position(false), count = (int)rng.NextInt64(1, 6);
                    var insert = new byte[count];
                    for (int i = 0; i < count; i++)
                        insert[i] = rng.NextInt64(0, 2) == 0 ? Interesting[rng.NextInt64(0, Interesting.Length)] : (byte)rng.NextInt64(0, 256);
                    bytes = [.. bytes[..at], .. insert, .. bytes[at..]];
                    break;
                }
                default:  // replace a header digit with another, shifting shapes and offsets
                {
                    int at = Position(true);
                    if (bytes[at] is >= (byte)'0' and <= (byte)'9') bytes[at] = (byte)('0' + rng.NextInt64(0, 10));
                    break;
                }
            }
        }
        return bytes;
    }

    [Fact]
    public void Thousands_of_mutated_files_raise_only_the_documented_exception_quickly_and_allocate_in_proportion()
    {
        byte[][] seeds = [CajalSeed(), File.ReadAllBytes(Fixture("torch_reference.safetensors"))];
        foreach (var seed in seeds) Assert.NotEmpty(LoadBytes(seed).Tensors);   // warm up; both seeds are valid

        var rng = new Generator(20240601);
        int loaded = 0, rejected = 0;
        double worstRatio = 0;
        long worstExtra = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Mutations; i++)
        {
            var bytes = Mutate(seeds[i % seeds.Length], rng);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                LoadBytes(bytes, "fuzz");
                loaded++;
            }
            catch (SafeTensorsFormatException e)
            {
                Assert.StartsWith("fuzz: ", e.Message);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {i} raised {e.GetType().Name}: {e.Message}\n{Convert.ToHexString(bytes)}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            // Header buffer ≤ file; names and entries a few times the header; tensors ≤ the data (8× for widened U8/I8/BOOL).
            Assert.True(allocated <= 8L * bytes.Length + (64 << 10),
                        $"mutation {i}: {allocated} bytes allocated for a {bytes.Length}-byte file");
            worstRatio = Math.Max(worstRatio, (double)allocated / Math.Max(1, bytes.Length));
            worstExtra = Math.Max(worstExtra, allocated - 8L * bytes.Length);
        }
        clock.Stop();
        output.WriteLine($"{Mutations} mutations: {loaded} loaded, {rejected} rejected in {clock.ElapsedMilliseconds} ms; " +
                         $"worst allocation {worstRatio:F1}× the file, worst excess over 8× {worstExtra} bytes");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{Mutations} mutations took {clock.Elapsed}");
        Assert.True(rejected > Mutations / 2, $"only {rejected} of {Mutations} mutations were rejected");
        Assert.True(loaded > 0, "no mutation loaded: the mutations never hit tensor data only");
    }

    [Fact]
    public void A_huge_claimed_header_allocates_nothing_near_its_size()
    {
        var bytes = Build("{}", length: 99_999_999);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<SafeTensorsFormatException>(() => LoadBytes(bytes));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 10);
    }

    [Fact]
    public void A_header_claiming_a_huge_tensor_allocates_nothing_near_its_size()
    {
        // 2^31 − 1 floats claimed, 8 GB, with 4 bytes present: rejected before any tensor is allocated.
        var bytes = Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647],\"data_offsets\":[0,8589934588]}}", new byte[4]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<SafeTensorsFormatException>(() => LoadBytes(bytes));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 10);
    }
}
