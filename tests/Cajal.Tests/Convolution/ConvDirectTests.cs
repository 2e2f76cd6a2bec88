using Cajal.Tests.Support;
using Cajal.Kernels;
using Cajal.Nn;
using static Cajal.Tests.Convolution.ConvolutionTests;

namespace Cajal.Tests.Convolution;

/// <summary>
/// The stride-1 direct kernels (Kernels/ConvDirect.cs) and the im2col + GEMM path, each forced in turn, against the
/// naive reference: tile edges (6- and 12-row blocks, positions around the 2- and 4-vector tiles), padding wider than
/// the kernel (negative padding in the input gradient), dilation, groups, batches that split into weight runs and
/// multi-image dot products.
/// </summary>
public class ConvDirectTests
{
    /// <summary>Runs <paramref name="body"/> with the convolution algorithm forced on this thread, then restores it.</summary>
    private static T With<T>(ConvAlgorithm algorithm, Func<T> body)
    {
        var saved = Kernels.Convolution.ForcedAlgorithm;
        try
        {
            Kernels.Convolution.ForcedAlgorithm = algorithm;
            return body();
        }
        finally
        {
            Kernels.Convolution.ForcedAlgorithm = saved;
        }
    }

    /// <summary>Forward and both gradients of a 3×3, padding-1 convolution of copies of x0 and w0, as float arrays.</summary>
    internal static (float[] Y, float[] Dx, float[] Dw) ForwardBackward(Tensor x0, Tensor w0, Tensor up)
    {
        var x = x0.Clone().Detach();
        x.RequiresGrad = true;
        var w = w0.Clone().Detach();
        w.RequiresGrad = true;
        var y = Functional.Conv2d(x, w, null, [1, 1], [1, 1], [1, 1], 1);
        (y * up).Sum().Backward();
        return (y.ToArray<float>(), x.Grad!.ToArray<float>(), w.Grad!.ToArray<float>());
    }

    private static double[] D(float[] values) => values.Select(v => (double)v).ToArray();

    public static IEnumerable<object[]> Cases()
    {
        var data = new List<object[]>();
        // n, c, h, w, cout, kh, kw, pad, dilation, groups
        var shapes = new (int N, int C, int H, int W, int Cout, int KH, int KW, int Pad, int Dil, int Groups)[]
        {
            (2, 1, 28, 28, 6, 5, 5, 2, 1, 1),      // LeNet's first layer: narrow 6-row tile, input gradient with 1 row
            (3, 6, 14, 14, 16, 5, 5, 0, 1, 1),     // LeNet's second layer: 12 + 4 rows
            (1, 3, 7, 9, 13, 3, 3, 1, 1, 1),       // 13 rows: one full 12-row block and one of 1
            (2, 5, 5, 5, 12, 3, 3, 1, 1, 1),       // exactly one 12-row block
            (2, 3, 6, 9, 9, 3, 3, 1, 1, 1),        // 9 rows: one 12-row block
            (1, 3, 5, 7, 24, 3, 3, 1, 1, 3),       // 8 rows a group, 3 groups: one 8×3 block each
            (2, 3, 5, 6, 32, 3, 3, 1, 1, 1),       // 32 channels: the wide weight gradient in float64 (4 × 8 doubles)
            (3, 4, 4, 5, 64, 3, 3, 1, 2, 2),       // 32 channels a group, dilation 2: wide, grouped
            (9, 1, 6, 3, 64, 2, 3, 2, 1, 1),       // wide, 9 images in 8 runs, padding wider than the kernel
            (1, 2, 1, 1, 7, 1, 1, 0, 1, 1),        // 1×1 image, 1×1 kernel
            (2, 3, 6, 4, 5, 1, 1, 2, 1, 1),        // padding wider than the kernel: negative padding for dx
            (2, 4, 9, 11, 6, 3, 3, 2, 2, 2),       // dilation 2, groups 2
            (3, 6, 8, 8, 9, 3, 2, 1, 1, 3),        // groups 3, a 3×2 kernel
            (9, 2, 5, 6, 3, 3, 3, 1, 1, 1),        // 9 images: 8 weight runs, one with two images
            (2, 2, 3, 33, 4, 1, 3, 0, 1, 1),       // a row wider than one tile
            (1, 1, 17, 15, 2, 2, 2, 1, 1, 1),      // even kernel, bottom/right padding differs from top/left
            // Output rows of whole vectors (8 doubles): tiles written in place, no garbage columns.
            (2, 5, 6, 8, 12, 3, 3, 1, 1, 1),       // 6 vectors in 3 full 12×2 tiles; dx: a partial 6-row block
            (1, 3, 5, 8, 13, 3, 3, 1, 1, 1),       // 13 rows: a full 8-row block and a partial one; a partial last tile
            (2, 4, 7, 16, 16, 3, 3, 2, 2, 2),      // groups 2, dilation 2: 14 vectors, 4 tiles of 3 and a tail
            (1, 40, 3, 8, 6, 3, 3, 1, 1, 1),       // 3 vectors: only a partial tile
        };
        foreach (var s in shapes)
            foreach (var algorithm in new[] { "direct", "im2col" })
                data.Add([algorithm, s.N, s.C, s.H, s.W, s.Cout, s.KH, s.KW, s.Pad, s.Dil, s.Groups]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Both_algorithms_match_the_naive_reference(
        string algorithm, int n, int c, int h, int w, int cout, int kh, int kw, int pad, int dilation, int groups)
    {
        if (algorithm == "direct" && !ConvDirect.IsSupported<double>()) return;   // no AVX-512 here: nothing to force
        var rng = new Generator((ulong)(n * 7919 + c * 104729 + h * 31 + w + cout * 17 + kh * 3 + kw + pad * 5 + dilation + groups));
        var x = Tensor.RandN([n, c, h, w], rng, DType.Float64, requiresGrad: true);
        var weight = Tensor.RandN([cout, c / groups, kh, kw], rng, DType.Float64, requiresGrad: true);
        var bias = Tensor.RandN([cout], rng, DType.Float64);
        var saved = Kernels.Convolution.ForcedAlgorithm;
        Tensor y;
        try
        {
            Kernels.Convolution.ForcedAlgorithm = algorithm == "direct" ? ConvAlgorithm.Direct : ConvAlgorithm.Im2Col;
            y = Functional.Conv2d(x, weight, bias, [1, 1], [pad, pad], [dilation, dilation], groups);
            var up = Tensor.RandN(y.Shape.ToArray(), rng, DType.Float64);
            (y * up).Sum().Backward();

            var a = new DirectReference.Conv(1, 1, pad, pad, dilation, dilation, groups);
            var (ry, rdx, rdw) = DirectReference.Conv2d(Values(x), [n, c, h, w], Values(weight), weight.Shape.ToArray(),
                Values(bias), a, y.Shape[2], y.Shape[3], Values(up));
            AssertClose(ry, Values(y), 1e-12, "out");
            AssertClose(rdx, Values(x.Grad!), 1e-12, "dx");
            AssertClose(rdw, Values(weight.Grad!), 1e-12, "dw");
        }
        finally
        {
            Kernels.Convolution.ForcedAlgorithm = saved;
        }
    }

    [Fact]
    public void Float32_direct_results_are_within_round_off_of_im2col()
    {
        if (!ConvDirect.IsSupported<float>()) return;
        var rng = new Generator(11);
        var x0 = Tensor.RandN([5, 6, 14, 14], rng);
        var w0 = Tensor.RandN([16, 6, 5, 5], rng);
        var up = Tensor.RandN([5, 16, 12, 12], rng);
        var direct = With(ConvAlgorithm.Direct, () => ForwardBackward(x0, w0, up));
        var im2col = With(ConvAlgorithm.Im2Col, () => ForwardBackward(x0, w0, up));
        // float32 sums of 150 (forward), 400 (dx) and 720 (dw) terms of size ~1: a few ulps of the larger magnitudes.
        AssertClose(D(im2col.Y), D(direct.Y), 1e-4, "out");
        AssertClose(D(im2col.Dx), D(direct.Dx), 1e-4, "dx");
        AssertClose(D(im2col.Dw), D(direct.Dw), 5e-4, "dw");
    }

    [Fact]
    public void Float32_wide_weight_gradient_is_within_round_off_of_im2col()
    {
        if (!ConvDirect.IsSupported<float>()) return;
        var rng = new Generator(13);
        var x0 = Tensor.RandN([3, 8, 9, 7], rng);
        var w0 = Tensor.RandN([64, 8, 3, 3], rng);   // 64 channels: the wide weight gradient
        var up = Tensor.RandN([3, 64, 9, 7], rng);
        var direct = With(ConvAlgorithm.Direct, () => ForwardBackward(x0, w0, up));
        var im2col = With(ConvAlgorithm.Im2Col, () => ForwardBackward(x0, w0, up));
        // sums of 189 products of size ~1 per image, 3 images
        AssertClose(D(im2col.Dw), D(direct.Dw), 5e-4, "dw");
    }

    [Fact]
    public void Float32_in_place_rows_are_within_round_off_of_im2col()
    {
        if (!ConvDirect.IsSupported<float>()) return;
        var rng = new Generator(14);
        var x0 = Tensor.RandN([3, 20, 7, 16], rng);   // rows of 16 floats: one vector each, written in place
        var w0 = Tensor.RandN([24, 20, 3, 3], rng);
        var up = Tensor.RandN([3, 24, 7, 16], rng);
        var direct = With(ConvAlgorithm.Direct, () => ForwardBackward(x0, w0, up));
        var im2col = With(ConvAlgorithm.Im2Col, () => ForwardBackward(x0, w0, up));
        // sums of 180 (forward) and 216 (dx) products of size ~1
        AssertClose(D(im2col.Y), D(direct.Y), 1e-4, "out");
        AssertClose(D(im2col.Dx), D(direct.Dx), 1e-4, "dx");
    }

    [Theory]
    [InlineData(2, 24, 7, 16, 24)]   // two full 12-row blocks, 7 vectors: 3 full tiles and a tail
    [InlineData(3, 6, 5, 32, 13)]    // an 8-row block and a partial one through the staging buffer
    [InlineData(1, 5, 1, 16, 6)]     // one vector: only a tail
    public void In_place_rows_give_the_bits_of_the_padded_width(int n, int c, int h, int w, int cout)
    {
        if (!ConvDirect.IsSupported<float>()) return;
        var rng = new Generator((ulong)(n + c * 10 + h * 100 + w * 1000 + cout));
        var x0 = Tensor.RandN([n, c, h, w], rng);
        var w0 = Tensor.RandN([cout, c, 3, 3], rng);
        var bias = Tensor.RandN([cout], rng);
        var up = Tensor.RandN([n, cout, h, w], rng);
        (float[] Y, float[] Dx) Pass()
        {
            var x = x0.Clone().Detach();
            x.RequiresGrad = true;
            var y = Functional.Conv2d(x, w0, bias, [1, 1], [1, 1], [1, 1], 1);
            (y * up).Sum().Backward();
            return (y.ToArray<float>(), x.Grad!.ToArray<float>());
        }
        var inPlace = With(ConvAlgorithm.Direct, Pass);
        (float[] Y, float[] Dx) padded;
        try
        {
            ConvDirect.PaddedWidthOnly = true;
            padded = With(ConvAlgorithm.Direct, Pass);
        }
        finally
        {
            ConvDirect.PaddedWidthOnly = false;
        }
        Assert.Equal(padded.Y, inPlace.Y);
        Assert.Equal(padded.Dx, inPlace.Dx);
    }

    [Fact]
    public void Direct_results_have_the_same_bits_on_any_thread_count()
    {
        if (!ConvDirect.IsSupported<float>()) return;
        var rng = new Generator(12);
        var x0 = Tensor.RandN([19, 6, 12, 12], rng);
        var w0 = Tensor.RandN([64, 6, 3, 3], rng);   // 64 channels: the wide weight gradient
        var up = Tensor.RandN([19, 64, 12, 12], rng);
        AssertSameBitsOnAnyThreadCount(() => With(ConvAlgorithm.Direct, () => ForwardBackward(x0, w0, up)));
    }

    /// <summary>Runs a forward and backward pass on 1 thread and on 2, 3 and 4, and requires identical outputs and gradients.</summary>
    internal static void AssertSameBitsOnAnyThreadCount(Func<(float[] Y, float[] Dx, float[] Dw)> pass)
    {
        var one = Threads.With(1, pass);
        foreach (int threads in new[] { 2, 3, 4 })
        {
            var other = Threads.With(threads, pass);
            Assert.Equal(one.Y, other.Y);
            Assert.Equal(one.Dx, other.Dx);
            Assert.Equal(one.Dw, other.Dw);
        }
    }

    [Theory]
    [InlineData(1, 6)]
    [InlineData(6, 6)]
    [InlineData(7, 8)]
    [InlineData(9, 12)]      // a tie (12 padded rows either way) goes to the taller tile
    [InlineData(12, 12)]
    [InlineData(16, 8)]
    [InlineData(64, 8)]
    [InlineData(120, 12)]
    public void The_forward_tile_pads_the_fewest_channels(int rows, int blockRows)
    {
        Assert.Equal(blockRows, ConvDirect.TileShape(rows).Rows);
    }

    [Fact]
    public void Forcing_direct_on_a_strided_convolution_is_refused()
    {
        var g = new ConvGeometry(1, 1, 5, 5, 1, 3, 3, 2, 2, 2, 2, 0, 0, 1, 1, 1);
        var saved = Kernels.Convolution.ForcedAlgorithm;
        try
        {
            Kernels.Convolution.ForcedAlgorithm = ConvAlgorithm.Direct;
            var e = Assert.Throws<PlatformNotSupportedException>(() => Kernels.Convolution.Choose<float>(g));
            Assert.Contains("stride 2×2", e.Message);
            Kernels.Convolution.ForcedAlgorithm = ConvAlgorithm.Auto;
            Assert.Equal(ConvAlgorithm.Im2Col, Kernels.Convolution.Choose<float>(g));
        }
        finally
        {
            Kernels.Convolution.ForcedAlgorithm = saved;
        }
    }
}
