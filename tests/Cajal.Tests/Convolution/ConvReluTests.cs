using Cajal.Kernels;
using Cajal.Nn;
using static Cajal.Tests.Support.Fusion;

namespace Cajal.Tests.Convolution;

/// <summary>
/// The fused Conv2d+ReLU op (Functional.Conv2dRelu; bias and ReLU applied as the tiles are stored) against Conv2d
/// followed by ReLU, bit for bit: values and all three gradients, on the direct kernels (every tile shape, in place and
/// on the padded width, partial tiles, groups) and on im2col + GEMM; and a Sequential LeNet against its modules run
/// one by one.
/// </summary>
public class ConvReluTests
{
    private static void Set(Tensor t, int index, double value)
    {
        if (t.DType == DType.Float32) t.Array<float>()[t.Offset + index] = (float)value;
        else t.Array<double>()[t.Offset + index] = value;
    }

    public static IEnumerable<object[]> Cases()
    {
        // n, c, h, w, cout, k, pad, stride, dilation, groups, bias
        var shapes = new (int N, int C, int H, int W, int Cout, int K, int Pad, int Stride, int Dil, int Groups, bool Bias)[]
        {
            (2, 1, 28, 28, 6, 5, 2, 1, 1, 1, true),     // LeNet's first layer: the 6×4 tile
            (3, 6, 14, 14, 16, 5, 0, 1, 1, 1, true),    // LeNet's second: two 8×3 blocks
            (2, 5, 7, 9, 13, 3, 1, 1, 1, 1, true),      // 13 rows: a 12×2 block and a partial one
            (1, 3, 5, 7, 24, 3, 1, 1, 1, 3, true),      // groups of 8 rows
            (2, 8, 6, 32, 64, 3, 1, 1, 1, 1, true),     // rows of whole vectors: tiles in place, the benchmark's 64 channels
            (1, 3, 5, 16, 13, 3, 1, 1, 2, 1, false),    // in place with a partial block and a partial last tile, no bias
            (2, 4, 9, 11, 6, 3, 2, 2, 1, 2, true),      // stride 2: im2col + GEMM, its epilogue
        };
        foreach (var s in shapes)
            foreach (var algorithm in new[] { "direct", "direct, padded width", "im2col" })
                foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                    if (s.Stride == 1 || algorithm == "im2col")
                        yield return [algorithm, dtype, s.N, s.C, s.H, s.W, s.Cout, s.K, s.Pad, s.Stride, s.Dil, s.Groups, s.Bias];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_op_has_the_values_and_gradients_of_Conv2d_then_Relu(
        string algorithm, DType dtype, int n, int c, int h, int w, int cout, int k, int pad, int stride, int dilation, int groups, bool hasBias)
    {
        if (algorithm != "im2col" && !ConvDirect.IsSupported<float>()) return;   // no AVX-512 here: nothing to force
        var g = new Generator((ulong)(n * 31 + c * 7 + h + w * 3 + cout * 11 + k + pad + stride + dilation + groups));
        var x0 = Tensor.RandN([n, c, h, w], g, dtype);
        var w0 = Tensor.RandN([cout, c / groups, k, k], g, dtype);
        // Bias −0 on one channel: where its sum is +0 the add gives +0, where −0 it gives −0, and ReLU makes both +0.
        var b0 = hasBias ? Tensor.RandN([cout], g, dtype) : null;
        if (b0 is not null) Set(b0, 0, -0.0);
        int hout = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1, wout = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
        var up = Tensor.RandN([n, cout, hout, wout], g, dtype);

        (Tensor Y, Tensor Dx, Tensor Dw, Tensor? Db, string Op) Run(bool fused)
        {
            var x = x0.Clone().Detach(); x.RequiresGrad = true;
            var wt = w0.Clone().Detach(); wt.RequiresGrad = true;
            var b = b0?.Clone().Detach();
            if (b is not null) b.RequiresGrad = true;
            var saved = (Kernels.Convolution.ForcedAlgorithm, ConvDirect.PaddedWidthOnly);
            try
            {
                Kernels.Convolution.ForcedAlgorithm = algorithm == "im2col" ? ConvAlgorithm.Im2Col : ConvAlgorithm.Direct;
                ConvDirect.PaddedWidthOnly = algorithm == "direct, padded width";
                var y = fused
                    ? Functional.Conv2dRelu(x, wt, pad, b, [stride, stride], [dilation, dilation], groups)
                    : Functional.Conv2d(x, wt, b, [stride, stride], [pad, pad], [dilation, dilation], groups).Relu();
                (y * up).Sum().Backward();
                return (y.Detach(), x.Grad!, wt.Grad!, b?.Grad, y.GradFn!.Name);
            }
            finally
            {
                (Kernels.Convolution.ForcedAlgorithm, ConvDirect.PaddedWidthOnly) = saved;
            }
        }

        var separate = Run(fused: false);
        var fused = Run(fused: true);
        Assert.Equal("Conv2d+ReLU", fused.Op);
        Assert.True(SameBits(separate.Y, fused.Y), "forward");
        Assert.True(SameBits(separate.Dx, fused.Dx), "input gradient");
        Assert.True(SameBits(separate.Dw, fused.Dw), "weight gradient");
        if (hasBias) Assert.True(SameBits(separate.Db!, fused.Db!), "bias gradient");
        Assert.Contains(0.0, fused.Y.ToDoubleArray());   // the ReLU did cut something
    }

    [Fact]
    public void NaN_and_zero_sums_come_out_as_Relu_makes_them()
    {
        if (!ConvDirect.IsSupported<float>()) return;
        var x = Tensor.Zeros([1, 2, 4, 16]);
        Set(x, 5, double.NaN);                       // poisons the outputs whose window holds it
        var w = Tensor.RandN([6, 2, 3, 3], new Generator(3));
        var b = Tensor.FromArray(new float[] { 0f, -0f, 1f, -1f, 0f, 2f }, 6);
        foreach (var algorithm in new[] { ConvAlgorithm.Direct, ConvAlgorithm.Im2Col })
        {
            var saved = Kernels.Convolution.ForcedAlgorithm;
            try
            {
                Kernels.Convolution.ForcedAlgorithm = algorithm;
                var separate = Functional.Conv2d(x, w, b, padding: [1, 1]).Relu();
                var fused = Functional.Conv2dRelu(x, w, 1, b, [1, 1], [1, 1], 1);
                Assert.True(SameBits(separate, fused), algorithm.ToString());
                var values = fused.ToArray<float>();
                Assert.Contains(values, float.IsNaN);
                Assert.DoesNotContain(values, v => v == 0 && float.IsNegative(v));
            }
            finally
            {
                Kernels.Convolution.ForcedAlgorithm = saved;
            }
        }
    }

    [Fact]
    public void Fused_op_passes_the_gradient_check()
    {
        var g = new Generator(4);
        var x = Tensor.RandN([2, 3, 6, 5], g, DType.Float64, requiresGrad: true);
        var w = Tensor.RandN([4, 3, 3, 3], g, DType.Float64, requiresGrad: true);
        var b = Tensor.RandN([4], g, DType.Float64, requiresGrad: true);
        GradCheck.Assert(() => Functional.Conv2dRelu(x, w, 1, b, [1, 1], [1, 1], 1).Pow(2).Sum(), [x, w, b]);
    }

    [Fact]
    public void Sequential_runs_Conv2d_then_ReLU_as_one_op_with_the_outputs_and_gradients_of_the_modules_one_by_one()
    {
        var model = Cajal.Models.Classifiers.LeNet5(generator: new Generator(5));
        var x = Tensor.RandN([16, 1, 28, 28], new Generator(6));
        var target = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => (long)(i % 10)).ToArray(), 16);
        var ops = AssertSequentialMatchesModulesOneByOne(model, x, target);
        Assert.Equal(2, ops.Count(o => o == "Conv2d+ReLU"));
        Assert.DoesNotContain("Conv2d", ops);
        Assert.Equal(2, ops.Count(o => o == "Linear+ReLU"));
        string summary = model.Summary(1, 1, 28, 28);
        Assert.Equal(4, summary.Split('\n').Count(l => l.Contains("ReLU", StringComparison.Ordinal)));
    }
}
