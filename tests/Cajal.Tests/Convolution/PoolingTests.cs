using Cajal.Nn;
using static Cajal.Tests.Convolution.ConvolutionTests;

namespace Cajal.Tests.Convolution;

public class PoolingTests
{
    /// <summary>Output size by counting windows: floor mode keeps windows that fit in the padded input; ceil mode also keeps
    /// a partial window after the last full one, but only if it starts inside the input or its left padding.</summary>
    private static int CountWindows(int size, int k, int s, int p, int d, bool ceil)
    {
        int extent = d * (k - 1) + 1, padded = size + 2 * p, count = 0;
        for (int o = 0; ; o++)
        {
            bool fits = o * s + extent <= padded;
            bool partial = ceil && o > 0 && (o - 1) * s + extent < padded && o * s - p < size;
            if (!fits && !partial) return count;
            count++;
        }
    }

    private static void CheckPools(ulong seed, int[] xs, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, bool ceil, bool ties)
    {
        var rng = new Generator(seed);
        var x = ties
            ? Tensor.RandInt(-1, 2, xs, rng).To(DType.Float64)
            : Tensor.RandN(xs, rng, DType.Float64);
        x.RequiresGrad = true;
        int hout = CountWindows(xs[2], kh, sh, ph, dh, ceil), wout = CountWindows(xs[3], kw, sw, pw, dw, ceil);
        string what = $"seed {seed}: x {x.Shape}, k ({kh}, {kw}), s ({sh}, {sw}), p ({ph}, {pw}), d ({dh}, {dw}), ceil {ceil}";
        int planes = xs[0] * xs[1];

        var (values, indices) = Functional.MaxPool2dWithIndices(x, [kh, kw], [sh, sw], [ph, pw], [dh, dw], ceil);
        Assert.True(new Shape(xs[0], xs[1], hout, wout) == values.Shape, $"{what}: shape {values.Shape}, expected ({hout}, {wout})");
        var up = Tensor.RandN(values.Shape.ToArray(), rng, DType.Float64);
        (values * up).Sum().Backward();
        var (ry, ri, rdx) = DirectReference.MaxPool2d(Values(x), planes, xs[2], xs[3], kh, kw, sh, sw, ph, pw, dh, dw, hout, wout, Values(up));
        Assert.Equal(ry, Values(values));
        Assert.Equal(ri, indices.ToArray<long>());
        AssertClose(rdx, Values(x.Grad!), 1e-14, what + " max dx");

        if (dh != 1 || dw != 1) return;
        foreach (bool countIncludePad in new[] { true, false })
        {
            foreach (int? divisor in new int?[] { null, 3 })
            {
                x.Grad = null;
                var avg = Functional.AvgPool2d(x, [kh, kw], [sh, sw], [ph, pw], ceil, countIncludePad, divisor);
                (avg * up).Sum().Backward();
                var (ay, adx) = DirectReference.AvgPool2d(Values(x), planes, xs[2], xs[3], kh, kw, sh, sw, ph, pw, hout, wout, countIncludePad, divisor, Values(up));
                AssertClose(ay, Values(avg), 1e-13, $"{what} cip {countIncludePad} divisor {divisor} avg");
                AssertClose(adx, Values(x.Grad!), 1e-13, $"{what} cip {countIncludePad} divisor {divisor} avg dx");
            }
        }
    }

    [Theory]
    [InlineData(1, 2, 4, 4, 2, 2, 2, 2, 0, 0, false)]   // the goldens' shapes and attributes ...
    [InlineData(2, 1, 5, 5, 3, 3, 2, 2, 1, 1, false)]
    [InlineData(1, 2, 5, 6, 2, 3, 1, 2, 1, 1, false)]
    [InlineData(1, 1, 4, 4, 3, 3, 1, 1, 1, 1, false)]
    [InlineData(1, 3, 5, 5, 2, 2, 2, 2, 0, 0, false)]
    [InlineData(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, false)]   // ... and others
    [InlineData(1, 2, 5, 5, 2, 2, 2, 2, 1, 1, true)]    // ceil mode drops the window starting in the right padding
    [InlineData(2, 3, 7, 7, 3, 3, 2, 2, 1, 1, true)]
    [InlineData(1, 1, 2, 9, 1, 4, 1, 3, 0, 2, true)]
    public void Max_and_average_pooling_match_the_direct_reference(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, bool ceil)
    {
        CheckPools(1, [n, c, h, w], kh, kw, sh, sw, ph, pw, 1, 1, ceil, ties: false);
        CheckPools(2, [n, c, h, w], kh, kw, sh, sw, ph, pw, 1, 1, ceil, ties: true);
    }

    [Fact]
    public void Pooling_matches_the_direct_reference_over_random_attributes_with_ties_and_dilation()
    {
        var rng = new Generator(55);
        int Draw(int lo, int hi) => (int)rng.NextInt64(lo, hi + 1);
        int done = 0;
        for (int t = 0; done < 80; t++)
        {
            int kh = Draw(1, 4), kw = Draw(1, 4), dh = Draw(1, 2), dw = Draw(1, 2), h = Draw(1, 9), w = Draw(1, 9);
            int sh = Draw(1, 3), sw = Draw(1, 3), ph = Draw(0, kh / 2), pw = Draw(0, kw / 2);
            bool ceil = Draw(0, 1) == 1;
            if (CountWindows(h, kh, sh, ph, dh, ceil) < 1 || CountWindows(w, kw, sw, pw, dw, ceil) < 1) continue;
            CheckPools((ulong)(3000 + t), [Draw(1, 2), Draw(1, 2), h, w], kh, kw, sh, sw, ph, pw, dh, dw, ceil, ties: t % 3 == 0);
            done++;
        }
    }

    [Fact]
    public void Max_pooling_without_a_recorded_gradient_gives_the_same_maxima_and_records_nothing()
    {
        var rng = new Generator(77);
        foreach (int[] k in new[] { new[] { 2, 2 }, new[] { 3, 2 } })   // the 2×2 fast path and the general kernel
        {
            var data = new float[2 * 3 * 9 * 12];
            for (int i = 0; i < data.Length; i++) data[i] = i % 17 == 0 ? float.NaN : (float)Math.Floor(rng.NextDouble() * 5);
            var x = Tensor.FromArray(data, 2, 3, 9, 12);
            x.RequiresGrad = true;
            var expected = Functional.MaxPool2dWithIndices(x, k).Values.ToArray<float>();
            using (Autograd.NoGrad())
            {
                var y = Functional.MaxPool2d(x, k);
                Assert.Null(y.GradFn);
                Assert.Equal(expected, y.ToArray<float>());
            }
            var plain = Functional.MaxPool2d(Tensor.FromArray(data, 2, 3, 9, 12), k);   // input needs no gradient
            Assert.Equal(expected, plain.ToArray<float>());
            var unbatched = Functional.MaxPool2d(Tensor.FromArray(data[..(3 * 9 * 12)], 3, 9, 12), k);
            Assert.Equal(expected[..unbatched.Count], unbatched.ToArray<float>());
            Assert.Equal(3, unbatched.Rank);
        }
    }

    [Fact]
    public void Max_pooling_picks_NaN_and_keeps_the_first_position_of_an_all_negative_infinity_window()
    {
        double inf = double.PositiveInfinity;
        var x = Tensor.FromArray(new[] { -inf, -inf, 1.0, double.NaN, -inf, -inf, 2.0, 3.0 }, 1, 1, 2, 4);
        var (values, indices) = Functional.MaxPool2dWithIndices(x, [2, 2]);
        Assert.Equal(new[] { -inf, double.NaN }, Values(values));
        Assert.Equal(new long[] { 0, 3 }, indices.ToArray<long>());
    }

    [Fact]
    public void Stride_defaults_to_the_kernel_and_unbatched_input_works()
    {
        var rng = new Generator(9);
        var x = Tensor.RandN([2, 6, 5], rng, DType.Float64);
        var a = Functional.MaxPool2d(x, [2]);
        var b = Functional.MaxPool2d(x.Unsqueeze(0), [2, 2], [2, 2]).Squeeze(0);
        Assert.Equal(new Shape(2, 3, 2), a.Shape);
        Assert.Equal(Values(b), Values(a));
        var (_, idx) = Functional.MaxPool2dWithIndices(x, [3], [], [1]);
        Assert.Equal(new Shape(2, 2, 2), idx.Shape);
        Assert.Equal(Values(Functional.AvgPool2d(x.Unsqueeze(0), [3, 3], [3, 3], [1, 1]).Squeeze(0)), Values(Functional.AvgPool2d(x, [3], null, [1])));
    }

    [Theory]
    [InlineData(4, 4, 1, 1)]
    [InlineData(5, 7, 2, 3)]
    [InlineData(7, 5, 7, 5)]
    [InlineData(3, 3, 4, 5)]   // more outputs than inputs: windows overlap
    [InlineData(9, 9, 4, 4)]
    [InlineData(1, 5, 1, 2)]
    [InlineData(6, 4, 3, 1)]
    public void Adaptive_average_pooling_averages_the_floor_ceil_windows(int h, int w, int oh, int ow)
    {
        var rng = new Generator(10);
        var x = Tensor.RandN([2, 3, h, w], rng, DType.Float64, requiresGrad: true);
        var y = Functional.AdaptiveAvgPool2d(x, [oh, ow]);
        Assert.Equal(new Shape(2, 3, oh, ow), y.Shape);
        var up = Tensor.RandN(y.Shape.ToArray(), rng, DType.Float64);
        (y * up).Sum().Backward();
        var xv = Values(x);
        var upv = Values(up);
        var expected = new double[y.Count];
        var dx = new double[x.Count];
        for (int p = 0; p < 6; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    int h0 = (int)Math.Floor(i * (double)h / oh), h1 = (int)Math.Ceiling((i + 1) * (double)h / oh);
                    int w0 = (int)Math.Floor(j * (double)w / ow), w1 = (int)Math.Ceiling((j + 1) * (double)w / ow);
                    var cells = from r in Enumerable.Range(h0, h1 - h0) from q in Enumerable.Range(w0, w1 - w0) select (p * h + r) * w + q;
                    int o = (p * oh + i) * ow + j;
                    expected[o] = cells.Average(cell => xv[cell]);
                    foreach (int cell in cells) dx[cell] += upv[o] / cells.Count();
                }
        AssertClose(expected, Values(y), 1e-14, "adaptive avg");
        AssertClose(dx, Values(x.Grad!), 1e-14, "adaptive avg dx");
    }

    [Fact]
    public void Pooling_in_float32_agrees_with_float64()
    {
        var x = Tensor.RandN([2, 3, 9, 8], new Generator(11), DType.Float64);
        var f = x.To(DType.Float32);
        AssertClose(Values(Functional.MaxPool2d(x, [3, 2], [2, 2], [1, 1], [1, 2], true)), Values(Functional.MaxPool2d(f, [3, 2], [2, 2], [1, 1], [1, 2], true)), 1e-6, "max f32");
        AssertClose(Values(Functional.AvgPool2d(x, [3, 3], [2, 2], [1, 1], true, false)), Values(Functional.AvgPool2d(f, [3, 3], [2, 2], [1, 1], true, false)), 1e-6, "avg f32");
        AssertClose(Values(Functional.AdaptiveAvgPool2d(x, [4, 3])), Values(Functional.AdaptiveAvgPool2d(f, [4, 3])), 1e-6, "adaptive f32");
    }
}
