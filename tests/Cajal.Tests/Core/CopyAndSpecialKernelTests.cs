using Cajal.Kernels;

namespace Cajal.Tests.Core;

/// <summary>Copy.Strided against an index-by-index loop, and the special functions against known values.</summary>
public class CopyAndSpecialKernelTests
{
    private static readonly int MaxLength = ElementwiseKernelTests.MaxLength;

    /// <summary>
    /// Runs <paramref name="run"/>(src, dst) for every length up to MaxLength and source and destination offsets 0–2,
    /// and requires dst to hold <paramref name="reference"/> of each source element, one by one, and nothing else to change.
    /// </summary>
    private static void EveryLengthAndOffset<T>(Func<int, T> value, Func<T, T> reference, SpanAction<T> run) where T : unmanaged, IEquatable<T>
    {
        for (int n = 0; n <= MaxLength; n++)
            for (int srcOffset = 0; srcOffset < 3; srcOffset++)
                for (int dstOffset = 0; dstOffset < 3; dstOffset++)
                {
                    var src = Enumerable.Range(0, n + srcOffset + 2).Select(value).ToArray();
                    var dst = Enumerable.Range(0, n + dstOffset + 2).Select(i => value(-1 - i)).ToArray();
                    var expected = (T[])dst.Clone();
                    for (int i = 0; i < n; i++) expected[dstOffset + i] = reference(src[srcOffset + i]);
                    run(src.AsSpan(srcOffset, n), dst.AsSpan(dstOffset, n));
                    Assert.True(expected.AsSpan().SequenceEqual(dst), $"{typeof(T).Name} n {n} offsets {srcOffset}/{dstOffset}");
                }
    }

    private delegate void SpanAction<T>(ReadOnlySpan<T> src, Span<T> dst);

    [Fact]
    public void Short_copies_every_length_and_offset_and_touches_nothing_else()
    {
        EveryLengthAndOffset(i => (float)i + 0.5f, x => x, (src, dst) => Copy.Short(src, dst));
        EveryLengthAndOffset(i => (double)i - 0.25, x => x, (src, dst) => Copy.Short(src, dst));
        EveryLengthAndOffset(i => (long)i * 3, x => x, (src, dst) => Copy.Short(src, dst));
        Assert.Throws<ArgumentException>(() => Copy.Short<float>(new float[5], new float[4]));
    }

    [Fact]
    public void ShortAdd_adds_at_every_length_and_offset_in_place_or_not_and_touches_nothing_else()
    {
        static void Run<T>(Func<int, T> value, T add) where T : unmanaged, System.Numerics.INumber<T>
        {
            EveryLengthAndOffset(value, x => x + add, (src, dst) => Copy.ShortAdd(src, add, dst));
            for (int n = 0; n <= MaxLength; n++)
            {
                // in place: the overlapping last vector must read the sources before the earlier vectors overwrite them
                var same = Enumerable.Range(0, n + 2).Select(value).ToArray();
                var inPlace = (T[])same.Clone();
                for (int i = 0; i < n; i++) same[1 + i] += add;
                Copy.ShortAdd<T>(inPlace.AsSpan(1, n), add, inPlace.AsSpan(1, n));
                Assert.True(same.AsSpan().SequenceEqual(inPlace), $"{typeof(T).Name} n {n} in place");
            }
        }
        Run(i => (float)i * 0.37f + 0.5f, 0.1f);
        Run(i => (double)i * 0.37 - 0.25, 0.1);
        Assert.Throws<ArgumentException>(() => Copy.ShortAdd<float>(new float[5], 1f, new float[4]));
    }

    [Fact]
    public void Transposed_matrices_are_copied_like_the_reference_at_every_block_edge()
    {
        static void Run<T>(Func<int, T> value) where T : unmanaged, IEquatable<T>
        {
            int[] sizes = [2, 3, 7, 8, 9, 15, 16, 17, 24, 33, 40];
            foreach (int rows in sizes)
                foreach (int cols in sizes)
                {
                    // src is a (cols, rows) row-major matrix at offset 3 with padded rows, seen transposed: (rows, cols) with strides (1, rows + 2).
                    int ld = rows + 2, dstLd = cols + 1;
                    var src = Enumerable.Range(0, 3 + cols * ld).Select(value).ToArray();
                    var dst = Enumerable.Range(0, 2 + rows * dstLd).Select(i => value(-1 - i)).ToArray();
                    var expected = (T[])dst.Clone();
                    for (int i = 0; i < rows; i++)
                        for (int j = 0; j < cols; j++) expected[2 + i * dstLd + j] = src[3 + i + j * ld];
                    Copy.Strided(src, 3, [1, ld], dst, 2, [dstLd, 1], [rows, cols]);
                    Assert.True(expected.AsSpan().SequenceEqual(dst), $"{typeof(T).Name} {rows}×{cols}");
                }
        }
        Run(i => (float)i * 0.5f);
        Run(i => (double)i + 0.25);
        Run(i => (long)i * 7);
    }

    /// <summary>Reference: walk every index of dims and copy element by element.</summary>
    private static void ReferenceCopy<T>(T[] src, int srcOffset, int[] srcStrides, T[] dst, int dstOffset, int[] dstStrides, int[] dims)
    {
        int count = dims.Aggregate(1, (x, y) => x * y);
        for (int flat = 0; flat < count; flat++)
        {
            int rest = flat, so = srcOffset, o = dstOffset;
            for (int d = dims.Length - 1; d >= 0; d--)
            {
                int i = rest % dims[d];
                rest /= dims[d];
                so += i * srcStrides[d];
                o += i * dstStrides[d];
            }
            dst[o] = src[so];
        }
    }

    private static void Check<T>(T[] src, int srcOffset, int[] srcStrides, int dstLength, int dstOffset, int[] dstStrides, int[] dims, string what)
    {
        var expected = new T[dstLength];
        var actual = new T[dstLength];
        ReferenceCopy(src, srcOffset, srcStrides, expected, dstOffset, dstStrides, dims);
        Copy.Strided(src, srcOffset, srcStrides, actual, dstOffset, dstStrides, dims);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{typeof(T).Name} {what} dims ({string.Join(", ", dims)})");
    }

    private static void Strided_matches_loop<T>(Func<int, T> make)
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var src = Enumerable.Range(0, 4 * n + 8).Select(make).ToArray();
            Check(src, 0, [1], n, 0, [1], [n], "contiguous");
            Check(src, 3, [1], n + 2, 2, [1], [n], "contiguous with offsets");
            Check(src, 0, [1, 3], 3 * n, 0, [n, 1], [3, n], "transposed source (3, n) from (n, 3)");
            Check(src, 0, [n, 1], 3 * n, 0, [1, 3], [3, n], "transposed destination");
            Check(src, 1, [0, 1], 4 * n, 0, [n, 1], [4, n], "row broadcast (stride 0)");
            Check(src, 5, [1, 0], 4 * n, 0, [n, 1], [4, n], "column broadcast (stride 0 along the row)");
            Check(src, 0, [2], 2 * n + 1, 1, [2], [n], "stepped source and destination");
            Check(src, 2, [n, 7, 1], 2 * n, 0, [n, 3, 1], [2, 1, n], "size-1 middle dim with an arbitrary stride");
            Check(src, 0, [n + 1, 1], 2 * (n + 1), 0, [n + 1, 1], [2, n], "padded rows");
        }
    }

    [Fact]
    public void Strided_float_copy_matches_an_index_loop_for_every_length() => Strided_matches_loop(i => (float)i);

    [Fact]
    public void Strided_double_copy_matches_an_index_loop_for_every_length() => Strided_matches_loop(i => i * 0.5);

    [Fact]
    public void Strided_int64_copy_matches_an_index_loop_for_every_length() => Strided_matches_loop(i => (long)i);

    [Fact]
    public void Convert_rounds_toward_zero_for_integers()
    {
        var dst = new long[4];
        Copy.Convert<double, long>([1.9, -1.9, 0.0, 3.0], dst);
        Assert.Equal(new long[] { 1, -1, 0, 3 }, dst);
    }

    private static void AssertRelative(double expected, double actual, double rtol, string what) =>
        Assert.True(Math.Abs(actual - expected) <= rtol * Math.Abs(expected), $"{what}: {actual:R}, expected {expected:R} (relative error {Math.Abs(actual - expected) / Math.Abs(expected):G3})");

    // Reference values: the brief's (erf 0.5/1/2/3, erfc 3/5/10) and CPython's math module (glibc, correctly rounded here).
    [Theory]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(3.0, 0.9999779095030014)]
    [InlineData(0.1, 0.1124629160182849)]
    [InlineData(1e-10, 1.1283791670955126e-10)]
    [InlineData(2.4, 0.999311486103355)]
    [InlineData(2.6, 0.9997639655834707)]
    [InlineData(6.0, 1.0)]
    [InlineData(2.49, 0.9995707121322661)]
    [InlineData(2.5, 0.999593047982555)]
    [InlineData(4.0, 0.9999999845827421)]
    public void Erf_matches_known_values(double x, double expected)
    {
        AssertRelative(expected, Special.Erf(x), 1e-14, $"erf({x})");
        AssertRelative(-expected, Special.Erf(-x), 1e-14, $"erf({-x})");
    }

    [Theory]
    [InlineData(3.0, 2.209049699858544e-05)]
    [InlineData(5.0, 1.5374597944280349e-12)]
    [InlineData(10.0, 2.088487583762545e-45)]
    [InlineData(2.5, 0.0004069520174449589)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(-1.0, 1.842700792949715)]
    [InlineData(26.0, 5.663192408856143e-296)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(1.5, 0.033894853524689274)]
    [InlineData(2.0, 0.004677734981047265)]
    [InlineData(2.4, 0.0006885138966450789)]
    [InlineData(2.49, 0.000429287867733913)]
    [InlineData(-2.0, 1.9953222650189528)]
    public void Erfc_matches_known_values(double x, double expected) =>
        AssertRelative(expected, Special.Erfc(x), 1e-14, $"erfc({x})");

    [Fact]
    public void Erf_and_Erfc_are_consistent_across_their_branch_points()
    {
        for (double x = -4; x <= 4; x += 1.0 / 64)
        {
            Assert.True(Math.Abs(Special.Erf(x) + Special.Erfc(x) - 1) <= 1e-15, $"erf + erfc at {x}");
            Assert.True(Math.Abs(Special.Erf(-x) + Special.Erf(x)) == 0, $"erf odd at {x}");
        }
    }

    [Fact]
    public void Erf_and_Erfc_handle_special_inputs()
    {
        Assert.Equal(0.0, Special.Erf(0.0));
        Assert.Equal(1.0, Special.Erf(double.PositiveInfinity));
        Assert.Equal(-1.0, Special.Erf(double.NegativeInfinity));
        Assert.True(double.IsNaN(Special.Erf(double.NaN)));
        Assert.Equal(0.0, Special.Erfc(30.0));
        Assert.Equal(2.0, Special.Erfc(-30.0));
    }

    [Theory]
    [InlineData(1e-10, 1.00000000005e-10)]
    [InlineData(-1e-10, -9.999999999500001e-11)]
    [InlineData(1e-5, 1.0000050000166668e-05)]
    [InlineData(0.5, 0.6487212707001282)]
    [InlineData(-0.5, -0.3934693402873666)]
    [InlineData(1.0, 1.718281828459045)]
    [InlineData(-40.0, -1.0)]
    [InlineData(20.0, 485165194.4097903)]
    public void ExpM1_matches_known_values(double x, double expected) =>
        AssertRelative(expected, Special.ExpM1(x), 1e-14, $"expm1({x})");

    [Theory]
    [InlineData(1e-10, 9.999999999500001e-11)]
    [InlineData(-1e-10, -1.00000000005e-10)]
    [InlineData(1e-5, 9.999950000333332e-06)]
    [InlineData(0.5, 0.4054651081081644)]
    [InlineData(-0.5, -0.6931471805599453)]
    [InlineData(1.0, 0.6931471805599453)]
    [InlineData(1e10, 23.025850930040455)]
    public void Log1P_matches_known_values(double x, double expected) =>
        AssertRelative(expected, Special.Log1P(x), 1e-14, $"log1p({x})");

    [Fact]
    public void ExpM1_and_Log1P_handle_special_inputs()
    {
        Assert.Equal(0.0, Special.ExpM1(0.0));
        Assert.Equal(double.PositiveInfinity, Special.ExpM1(double.PositiveInfinity));
        Assert.Equal(-1.0, Special.ExpM1(double.NegativeInfinity));
        Assert.Equal(0.0, Special.Log1P(0.0));
        Assert.Equal(double.NegativeInfinity, Special.Log1P(-1.0));
        Assert.Equal(double.PositiveInfinity, Special.Log1P(double.PositiveInfinity));
        Assert.True(double.IsNaN(Special.Log1P(-2.0)));
    }
}
