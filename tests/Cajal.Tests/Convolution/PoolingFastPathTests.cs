using System.Numerics;
using Cajal.Kernels;
using Cajal.Nn;

namespace Cajal.Tests.Convolution;

/// <summary>The 2×2, stride-2 pooling fast path against the general kernels, on odd and tiny planes.</summary>
public class PoolingFastPathTests
{
    public static TheoryData<int, int> Sizes()
    {
        var data = new TheoryData<int, int>();
        foreach (int h in new[] { 1, 2, 3, 7, 8 })
            foreach (int w in new[] { 1, 2, 3, 7, 8 }) data.Add(h, w);
        foreach (int w in new[] { 9, 10, 11, 12, 14 })   // rows of 4 to 7 windows: the 4-wide vector path (LeNet's 10)
            foreach (int h in new[] { 2, 5 }) data.Add(h, w);
        foreach (int w in new[] { 15, 16, 17, 28, 31, 32, 33, 48, 57 })   // rows with 8 or more windows: the vector path and its tail
            foreach (int h in new[] { 2, 5 }) data.Add(h, w);
        return data;
    }

    /// <summary>Ties (values in {−1, 0, 1}) with a NaN and a −∞ here and there, so the index rules are exercised.</summary>
    private static T[] Data<T>(Generator rng, int n) where T : IFloatingPointIeee754<T>
    {
        var data = new T[n];
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble();
            data[i] = u < 0.05 ? T.NaN : u < 0.1 ? T.NegativeInfinity : T.CreateTruncating(Math.Floor(rng.NextDouble() * 3) - 1);
        }
        return data;
    }

    private static void Compare<T>(int h, int w, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Generator(seed);
        const int planes = 3, offset = 5;
        int oh = h / 2, ow = w / 2;
        var g = new PoolGeometry(planes, h, w, oh, ow, 2, 2, 2, 2, 0, 0, 1, 1);
        Assert.True(Pooling.IsTwoByTwo(g));
        var x = Data<T>(rng, offset + planes * h * w);
        var dy = Data<T>(rng, offset + planes * oh * ow);
        for (int i = 0; i < dy.Length; i++) if (!T.IsFinite(dy[i])) dy[i] = T.CreateTruncating(0.5);
        string what = $"{typeof(T).Name} H {h} W {w}";

        var (v1, i1) = (new T[planes * oh * ow], new long[planes * oh * ow]);
        var (v2, i2) = (new T[planes * oh * ow], new long[planes * oh * ow]);
        Pooling.MaxForward(x, offset, v1, i1, g);
        Pooling.MaxForwardTwoByTwo(x, offset, v2, i2, g);
        Assert.True(v1.AsSpan().SequenceEqual(v2), what + " max values");
        Assert.True(i1.AsSpan().SequenceEqual(i2), what + " max indices");
        // Values only (no indices, as in inference): the same maxima from both kernels.
        var (v3, v4) = (new T[planes * oh * ow], new T[planes * oh * ow]);
        Pooling.MaxForward(x, offset, v3, null, g);
        Pooling.MaxForwardTwoByTwo(x, offset, v4, null, g);
        Assert.True(v1.AsSpan().SequenceEqual(v3), what + " max values without indices (general)");
        Assert.True(v1.AsSpan().SequenceEqual(v4), what + " max values without indices (2x2)");

        var dx1 = new T[planes * h * w];
        var dx2 = Enumerable.Repeat(T.CreateTruncating(99), planes * h * w).ToArray();   // must be overwritten
        Pooling.MaxBackward(dy, offset, i1, dx1, g);
        Pooling.MaxBackwardTwoByTwo(dy, offset, i2, dx2, g);
        Assert.True(dx1.AsSpan().SequenceEqual(dx2), what + " max dx");

        foreach (int divisor in new[] { 0, 3 })
        {
            var a1 = new T[planes * oh * ow];
            var a2 = new T[planes * oh * ow];
            Pooling.AvgForward(x, offset, a1, g, countIncludePad: true, divisor);
            Pooling.AvgForwardTwoByTwo(x, offset, a2, g, divisor);
            Assert.True(a1.AsSpan().SequenceEqual(a2), $"{what} divisor {divisor} avg");
            var d1 = new T[planes * h * w];
            var d2 = Enumerable.Repeat(T.CreateTruncating(99), planes * h * w).ToArray();
            Pooling.AvgBackward(dy, offset, d1, g, countIncludePad: false, divisor);
            Pooling.AvgBackwardTwoByTwo(dy, offset, d2, g, divisor);
            Assert.True(d1.AsSpan().SequenceEqual(d2), $"{what} divisor {divisor} avg dx");
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Fast_path_matches_the_general_kernels(int h, int w)
    {
        Compare<float>(h, w, (ulong)(100 + 10 * h + w));
        Compare<double>(h, w, (ulong)(200 + 10 * h + w));
    }

    [Fact]
    public void Fast_path_applies_only_to_whole_unpadded_undilated_two_by_two_windows()
    {
        Assert.False(Pooling.IsTwoByTwo(new PoolGeometry(1, 5, 5, 3, 3, 2, 2, 2, 2, 0, 0, 1, 1)));   // ceil mode's partial window
        Assert.False(Pooling.IsTwoByTwo(new PoolGeometry(1, 4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1)));   // padding
        Assert.False(Pooling.IsTwoByTwo(new PoolGeometry(1, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1)));   // stride 1
        Assert.False(Pooling.IsTwoByTwo(new PoolGeometry(1, 5, 5, 2, 2, 2, 2, 2, 2, 0, 0, 2, 2)));   // dilation
        Assert.True(Pooling.IsTwoByTwo(new PoolGeometry(1, 5, 5, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1)));
    }

    [Fact]
    public void MaxPool2d_and_AvgPool2d_gradients_on_the_fast_path_match_finite_differences_for_a_strided_input()
    {
        var rng = new Generator(7);
        var x = Tensor.RandN([3, 2, 7, 9], rng, DType.Float64).Permute(1, 0, 2, 3);   // not contiguous
        x.RequiresGrad = true;
        var up = Tensor.RandN([2, 3, 3, 4], rng, DType.Float64);
        GradCheck.Assert(() => (Functional.MaxPool2d(x, [2]) * up).Sum(), x);
        GradCheck.Assert(() => (Functional.AvgPool2d(x, [2]) * up).Sum(), x);
    }
}
