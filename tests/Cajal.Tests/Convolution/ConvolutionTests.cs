using Cajal.Kernels;
using Cajal.Nn;
using static Cajal.Tests.Convolution.DirectReference;

namespace Cajal.Tests.Convolution;

public class ConvolutionTests
{
    internal static double[] Values(Tensor t) => t.ToDoubleArray();

    internal static void AssertClose(double[] expected, double[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])),
                $"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}");
    }

    /// <summary>Runs Conv2d in float64 against the direct reference: output and both gradients (and bias's).</summary>
    private static void CheckConv(ulong seed, int[] xs, int cout, int kh, int kw, Conv a, bool bias, bool same = false)
    {
        var rng = new Generator(seed);
        var x = Tensor.RandN(xs, rng, DType.Float64, requiresGrad: true);
        var w = Tensor.RandN([cout, xs[1] / a.Groups, kh, kw], rng, DType.Float64, requiresGrad: true);
        var b = bias ? Tensor.RandN([cout], rng, DType.Float64, requiresGrad: true) : null;
        int[] stride = [a.SH, a.SW], dilation = [a.DH, a.DW];
        var y = same
            ? Functional.Conv2d(x, w, ConvPadding.Same, b, stride, dilation, a.Groups)
            : Functional.Conv2d(x, w, b, stride, [a.PH, a.PW], dilation, a.Groups);
        int hout = y.Size(2), wout = y.Size(3);
        var up = Tensor.RandN(y.Shape.ToArray(), rng, DType.Float64);
        (y * up).Sum().Backward();

        var refA = same ? a with { PH = a.DH * (kh - 1) / 2, PW = a.DW * (kw - 1) / 2 } : a;
        var (ry, rdx, rdw) = DirectReference.Conv2d(Values(x), xs, Values(w), w.Shape.ToArray(), b is null ? null : Values(b), refA, hout, wout, Values(up));
        string what = $"seed {seed}: x {x.Shape}, w {w.Shape}, {a}, same {same}";
        Assert.Equal(ry.Length, y.Count);
        AssertClose(ry, Values(y), 1e-12, what + " out");
        AssertClose(rdx, Values(x.Grad!), 1e-12, what + " dx");
        AssertClose(rdw, Values(w.Grad!), 1e-12, what + " dw");
        if (b is not null)
        {
            var db = Values(up.Sum([0, 2, 3]));
            AssertClose(db, Values(b.Grad!), 1e-12, what + " db");
        }
    }

    [Theory]
    [InlineData(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1)]      // everything 1
    [InlineData(2, 3, 5, 5, 4, 3, 3, 1, 0, 0, 1, 1, 1)]      // the goldens' shapes and attributes ...
    [InlineData(1, 2, 6, 6, 3, 3, 3, 2, 1, 1, 1, 1, 1)]
    [InlineData(1, 2, 7, 7, 2, 3, 3, 1, 2, 2, 2, 2, 1)]
    [InlineData(1, 4, 5, 5, 6, 3, 3, 1, 1, 1, 1, 1, 2)]
    [InlineData(2, 3, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 3)]
    [InlineData(1, 2, 5, 6, 3, 2, 3, 2, 1, 0, 1, 1, 1)]
    [InlineData(2, 3, 3, 3, 2, 1, 1, 1, 0, 0, 1, 1, 1)]
    [InlineData(1, 1, 4, 4, 1, 4, 4, 1, 0, 0, 1, 1, 1)]
    [InlineData(3, 2, 7, 2, 5, 7, 1, 3, 3, 0, 1, 1, 1)]      // ... and others: kernel taller than the input
    [InlineData(2, 6, 7, 3, 6, 2, 2, 1, 1, 1, 3, 1, 6)]      // depthwise with dilation 3
    [InlineData(1, 4, 1, 9, 8, 1, 3, 1, 0, 2, 1, 4, 2)]      // one row, wide dilation
    public void Conv2d_matches_the_direct_reference(int n, int c, int h, int w, int cout, int kh, int kw, int s, int ph, int pw, int dh, int dw, int groups)
    {
        CheckConv(1, [n, c, h, w], cout, kh, kw, new Conv(s, s, ph, pw, dh, dw, groups), bias: true);
        CheckConv(2, [n, c, h, w], cout, kh, kw, new Conv(s, 1, ph, pw, dh, dw, groups), bias: false);   // stride (s, 1)
    }

    [Fact]
    public void Conv2d_matches_the_direct_reference_over_random_attributes()
    {
        var rng = new Generator(77);
        int Draw(int lo, int hi) => (int)rng.NextInt64(lo, hi + 1);
        int checkedCases = 0;
        for (int t = 0; checkedCases < 60; t++)
        {
            int groups = Draw(1, 3), c = groups * Draw(1, 2), cout = groups * Draw(1, 2);
            int h = Draw(1, 8), w = Draw(1, 8), kh = Draw(1, 4), kw = Draw(1, 4);
            var a = new Conv(Draw(1, 3), Draw(1, 3), Draw(0, 2), Draw(0, 2), Draw(1, 3), Draw(1, 3), groups);
            if (h + 2 * a.PH < a.DH * (kh - 1) + 1 || w + 2 * a.PW < a.DW * (kw - 1) + 1) continue;
            CheckConv((ulong)(1000 + t), [Draw(1, 3), c, h, w], cout, kh, kw, a, bias: t % 2 == 0);
            checkedCases++;
        }
    }

    [Theory]
    [InlineData(5, 6, 2, 4, 1, 1)]   // even kernels: the extra zero goes bottom/right
    [InlineData(6, 5, 3, 2, 2, 3)]
    [InlineData(4, 4, 4, 3, 1, 2)]
    [InlineData(1, 1, 3, 3, 1, 1)]
    public void Conv2d_padding_same_keeps_the_size_and_matches_the_reference(int h, int w, int kh, int kw, int dh, int dw)
    {
        CheckConv(3, [2, 2, h, w], 3, kh, kw, new Conv(1, 1, 0, 0, dh, dw, 1), bias: true, same: true);
        CheckConv(4, [1, 4, h, w], 2, kh, kw, new Conv(1, 1, 0, 0, dh, dw, 2), bias: false, same: true);
    }

    [Fact]
    public void Conv2d_over_several_im2col_chunks_with_a_remainder_matches_the_reference()
    {
        // 16·3·3 rows × 32·32 columns per image: the chunk holds 14 images, so 15 images make two chunks.
        CheckConv(5, [15, 16, 32, 32], 2, 3, 3, new Conv(1, 1, 1, 1, 1, 1, 1), bias: true);
    }

    [Fact]
    public void Conv2d_accepts_unbatched_input_and_single_value_attributes()
    {
        var rng = new Generator(6);
        var x = Tensor.RandN([3, 6, 5], rng, DType.Float64);
        var w = Tensor.RandN([4, 3, 3, 2], rng, DType.Float64);
        var b = Tensor.RandN([4], rng, DType.Float64);
        var unbatched = Functional.Conv2d(x, w, b, stride: [2], padding: [1], dilation: [1]);
        var batched = Functional.Conv2d(x.Unsqueeze(0), w, b, stride: [2, 2], padding: [1, 1]);
        Assert.Equal(new Shape(4, 3, 3), unbatched.Shape);
        Assert.Equal(Values(batched), Values(unbatched));
        var viaPaddingStruct = Functional.Conv2d(x, w, padding: (1, 1), bias: b, stride: [2, 2]);
        Assert.Equal(Values(unbatched), Values(viaPaddingStruct));
    }

    [Fact]
    public void Conv2d_in_float32_agrees_with_float64()
    {
        var rng = new Generator(8);
        var x = Tensor.RandN([2, 5, 9, 7], rng, DType.Float64);
        var w = Tensor.RandN([6, 5, 3, 3], rng, DType.Float64);
        var b = Tensor.RandN([6], rng, DType.Float64);
        var y64 = Functional.Conv2d(x, w, b, [2, 1], [1, 2], [1, 2]);
        var y32 = Functional.Conv2d(x.To(DType.Float32), w.To(DType.Float32), b.To(DType.Float32), [2, 1], [1, 2], [1, 2]);
        Assert.Equal(DType.Float32, y32.DType);
        AssertClose(Values(y64), Values(y32), 1e-5, "float32 conv");
    }

    [Fact]
    public void Conv2d_of_an_empty_batch_is_empty()
    {
        var x = Tensor.Zeros([0, 2, 5, 5], DType.Float64, requiresGrad: true);
        var w = Tensor.Ones([3, 2, 3, 3], DType.Float64, requiresGrad: true);
        var y = Functional.Conv2d(x, w);
        Assert.Equal(new Shape(0, 3, 3, 3), y.Shape);
        y.Sum().Backward();
        Assert.Equal(new double[18 * 3], Values(w.Grad!));
    }

    private static void CheckTransposed(ulong seed, int[] xs, int coutG, int kh, int kw, Conv a, int oph, int opw, bool bias)
    {
        var rng = new Generator(seed);
        var x = Tensor.RandN(xs, rng, DType.Float64, requiresGrad: true);
        var w = Tensor.RandN([xs[1], coutG, kh, kw], rng, DType.Float64, requiresGrad: true);
        var b = bias ? Tensor.RandN([coutG * a.Groups], rng, DType.Float64, requiresGrad: true) : null;
        var y = Functional.ConvTranspose2d(x, w, b, [a.SH, a.SW], [a.PH, a.PW], [oph, opw], [a.DH, a.DW], a.Groups);
        int hout = (xs[2] - 1) * a.SH - 2 * a.PH + a.DH * (kh - 1) + oph + 1;
        int wout = (xs[3] - 1) * a.SW - 2 * a.PW + a.DW * (kw - 1) + opw + 1;
        Assert.Equal(new Shape(xs[0], coutG * a.Groups, hout, wout), y.Shape);
        var up = Tensor.RandN(y.Shape.ToArray(), rng, DType.Float64);
        (y * up).Sum().Backward();
        var (ry, rdx, rdw) = DirectReference.ConvTranspose2d(Values(x), xs, Values(w), w.Shape.ToArray(), b is null ? null : Values(b), a, hout, wout, Values(up));
        string what = $"seed {seed}: x {x.Shape}, w {w.Shape}, {a}, outputPadding ({oph}, {opw})";
        AssertClose(ry, Values(y), 1e-12, what + " out");
        AssertClose(rdx, Values(x.Grad!), 1e-12, what + " dx");
        AssertClose(rdw, Values(w.Grad!), 1e-12, what + " dw");
        if (b is not null) AssertClose(Values(up.Sum([0, 2, 3])), Values(b.Grad!), 1e-12, what + " db");
    }

    [Fact]
    public void ConvTranspose2d_matches_the_scatter_definition_over_random_attributes()
    {
        CheckTransposed(1, [1, 2, 3, 3], 3, 3, 3, new Conv(1, 1, 0, 0, 1, 1, 1), 0, 0, true);    // golden shapes
        CheckTransposed(2, [2, 2, 3, 3], 2, 3, 3, new Conv(2, 2, 1, 1, 1, 1, 1), 1, 1, false);
        CheckTransposed(3, [1, 2, 4, 3], 3, 3, 2, new Conv(2, 1, 1, 0, 1, 1, 1), 0, 0, true);
        CheckTransposed(4, [1, 1, 1, 1], 1, 1, 1, new Conv(1, 1, 0, 0, 1, 1, 1), 0, 0, true);
        var rng = new Generator(91);
        int Draw(int lo, int hi) => (int)rng.NextInt64(lo, hi + 1);
        int done = 0;
        for (int t = 0; done < 40; t++)
        {
            int groups = Draw(1, 2);
            var a = new Conv(Draw(1, 3), Draw(1, 3), Draw(0, 2), Draw(0, 2), Draw(1, 3), Draw(1, 2), groups);
            int kh = Draw(1, 4), kw = Draw(1, 3), h = Draw(1, 5), w = Draw(1, 5);
            int oph = Draw(0, Math.Max(a.SH, a.DH) - 1), opw = Draw(0, Math.Max(a.SW, a.DW) - 1);
            if ((h - 1) * a.SH - 2 * a.PH + a.DH * (kh - 1) + oph + 1 <= 0 || (w - 1) * a.SW - 2 * a.PW + a.DW * (kw - 1) + opw + 1 <= 0) continue;
            CheckTransposed((ulong)(2000 + t), [Draw(1, 2), groups * Draw(1, 2), h, w], Draw(1, 2), kh, kw, a, oph, opw, t % 2 == 1);
            done++;
        }
    }

    [Fact]
    public void ConvTranspose2d_is_the_input_gradient_of_Conv2d()
    {
        var rng = new Generator(12);
        var x = Tensor.RandN([2, 3, 7, 6], rng, DType.Float64, requiresGrad: true);
        var w = Tensor.RandN([4, 3, 3, 2], rng, DType.Float64);
        var y = Functional.Conv2d(x, w, null, [2, 2], [1, 1], [1, 2]);
        var up = Tensor.RandN(y.Shape.ToArray(), rng, DType.Float64);
        (y * up).Sum().Backward();
        // output padding restores the row/column that the strided convolution dropped
        var back = Functional.ConvTranspose2d(up, w, null, [2, 2], [1, 1], [0, 1], [1, 2]);
        Assert.Equal(x.Shape, back.Shape);
        AssertClose(Values(x.Grad!), Values(back), 1e-12, "ConvTranspose2d vs conv input grad");
    }

    [Theory]
    [InlineData(0, 1, 5, 0, 4)]
    [InlineData(-2, 2, 5, 1, 4)]
    [InlineData(-3, 2, 5, 2, 4)]
    [InlineData(3, 1, 3, 0, 0)]
    [InlineData(1, 3, 8, 0, 3)]
    [InlineData(-1, 3, 4, 1, 2)]
    [InlineData(-5, 1, 2, 4, 4)]
    public void ValidRange_gives_the_output_columns_that_read_inside_the_input(int start, int stride, int size, int lo, int hi)
    {
        // Checked against a brute-force scan as well as the expected values.
        int outSize = 4;
        var (l, h) = Im2Col.ValidRange(start, stride, size, outSize);
        var inside = Enumerable.Range(0, outSize).Where(o => o * stride + start >= 0 && o * stride + start < size).ToList();
        Assert.Equal(inside.Count == 0 ? l : inside[0], l);
        Assert.Equal(inside.Count == 0 ? l : inside[^1] + 1, h);
        Assert.Equal((lo, hi), (l, h));
    }
}
