using System.Numerics;
using Cajal.Kernels;
using Cajal.Nn;
using Cajal.Tests.Core;
using static Cajal.Tests.Convolution.ConvolutionTests;

namespace Cajal.Tests.Modules;

/// <summary>The fused BatchNorm op: gradient checks in every mode, the composite reference, and the row kernels.</summary>
public class BatchNormFusedTests
{
    private static void CheckWithUpstream(Func<Tensor> f, params Tensor[] inputs)
    {
        var upstream = Tensor.RandN(f().Shape.ToArray(), new Generator(99), DType.Float64);
        GradCheck.Assert(() => (f() * upstream).Sum(), inputs);
    }

    [Theory]
    [InlineData(new[] { 2, 3, 5, 9 }, true)]     // L = 45: vector body and tail
    [InlineData(new[] { 3, 2, 7 }, true)]
    [InlineData(new[] { 5, 4 }, false)]          // L = 1
    [InlineData(new[] { 1, 3, 1, 2 }, false)]    // one sample, two values per channel
    [InlineData(new[] { 2, 1, 3, 3 }, true)]     // one channel
    public void Training_gradients_match_finite_differences_with_and_without_affine(int[] shape, bool affine)
    {
        var g = new Generator(21);
        var x = Tensor.RandN(shape, g, DType.Float64, requiresGrad: true);
        int c = shape[1];
        var rm = Tensor.Zeros([c], DType.Float64);
        var rv = Tensor.Ones([c], DType.Float64);
        if (affine)
        {
            var w = Tensor.RandN([c], g, DType.Float64, requiresGrad: true);
            var b = Tensor.RandN([c], g, DType.Float64, requiresGrad: true);
            CheckWithUpstream(() => Functional.BatchNorm(x, rm, rv, w, b, training: true), x, w, b);
        }
        else
        {
            CheckWithUpstream(() => Functional.BatchNorm(x, null, null, training: true), x);
        }
    }

    [Theory]
    [InlineData(new[] { 2, 3, 5, 9 }, true)]
    [InlineData(new[] { 3, 2, 7 }, false)]
    [InlineData(new[] { 1, 4 }, true)]           // eval accepts one value per channel
    public void Eval_gradients_reach_input_weight_and_bias(int[] shape, bool affine)
    {
        var g = new Generator(22);
        var x = Tensor.RandN(shape, g, DType.Float64, requiresGrad: true);
        int c = shape[1];
        var rm = Tensor.RandN([c], g, DType.Float64);
        var rv = Tensor.Rand([c], g, DType.Float64) + 0.5;
        if (affine)
        {
            var w = Tensor.RandN([c], g, DType.Float64, requiresGrad: true);
            var b = Tensor.RandN([c], g, DType.Float64, requiresGrad: true);
            CheckWithUpstream(() => Functional.BatchNorm(x, rm, rv, w, b, training: false), x, w, b);
        }
        else
        {
            CheckWithUpstream(() => Functional.BatchNorm(x, rm, rv, training: false), x);
        }
    }

    [Fact]
    public void Weight_and_bias_alone_get_gradients_when_the_input_needs_none()
    {
        var g = new Generator(23);
        var x = Tensor.RandN([4, 3, 2, 3], g, DType.Float64);
        var w = Tensor.RandN([3], g, DType.Float64, requiresGrad: true);
        var b = Tensor.RandN([3], g, DType.Float64, requiresGrad: true);
        CheckWithUpstream(() => Functional.BatchNorm(x, null, null, w, b, training: true), w, b);
    }

    [Fact]
    public void Running_statistics_that_require_grad_in_eval_get_the_composite_gradient()
    {
        var g = new Generator(24);
        var x = Tensor.RandN([3, 2, 4], g, DType.Float64, requiresGrad: true);
        var rm = Tensor.RandN([2], g, DType.Float64, requiresGrad: true);
        var rv = (Tensor.Rand([2], g, DType.Float64) + 0.5).Detach();
        rv.RequiresGrad = true;
        CheckWithUpstream(() => Functional.BatchNorm(x, rm, rv, training: false), x, rm, rv);
    }

    [Theory]
    [InlineData(DType.Float32, new[] { 16, 8, 13, 11 }, 2e-5)]
    [InlineData(DType.Float64, new[] { 16, 8, 13, 11 }, 1e-12)]
    [InlineData(DType.Float32, new[] { 64, 5 }, 2e-5)]
    [InlineData(DType.Float64, new[] { 3, 7, 17 }, 1e-12)]
    public void Fused_op_matches_the_composite_reference_forward_backward_and_running_statistics(DType dtype, int[] shape, double tol)
    {
        foreach (bool training in new[] { true, false })
        {
            var g = new Generator(25);
            int c = shape[1];
            // An offset mean checks that the statistics do not lose precision to cancellation.
            var x0 = (Tensor.RandN(shape, g, DType.Float64) * 2.0 + 3.0).To(dtype);
            var up = Tensor.RandN(shape, g, dtype);
            var w0 = Tensor.RandN([c], g, dtype);
            var b0 = Tensor.RandN([c], g, dtype);
            var rm0 = Tensor.RandN([c], g, dtype);
            var rv0 = (Tensor.Rand([c], g, DType.Float64) + 0.5).To(dtype);

            (double[] Y, double[] Dx, double[] Dw, double[] Db, double[] Rm, double[] Rv) Run(bool fused)
            {
                var x = x0.Clone();
                x.RequiresGrad = true;
                var w = w0.Clone();
                w.RequiresGrad = true;
                var b = b0.Clone();
                b.RequiresGrad = true;
                var rm = rm0.Clone();
                var rv = rv0.Clone();
                var y = fused
                    ? Functional.BatchNorm(x, rm, rv, w, b, training, momentum: 0.2)
                    : Functional.BatchNormComposite(x, rm, rv, w, b, training, momentum: 0.2);
                (y * up).Sum().Backward();
                return (Values(y), Values(x.Grad!), Values(w.Grad!), Values(b.Grad!), Values(rm), Values(rv));
            }

            var f = Run(fused: true);
            var r = Run(fused: false);
            string what = $"{dtype} {new Shape(shape)} training {training}";
            AssertClose(r.Y, f.Y, tol, what + " y");
            AssertClose(r.Dx, f.Dx, tol * 10, what + " dx");
            // dw and db sum N·L products: compare relative to that scale.
            AssertClose(r.Dw, f.Dw, tol * 10 * Math.Sqrt(x0.Count / c), what + " dw");
            AssertClose(r.Db, f.Db, tol * 10 * Math.Sqrt(x0.Count / c), what + " db");
            AssertClose(r.Rm, f.Rm, tol, what + " running mean");
            AssertClose(r.Rv, f.Rv, tol, what + " running var");
        }
    }

    [Fact]
    public void Fused_op_rejects_mismatched_dtypes_and_integer_input()
    {
        var x = Tensor.Zeros([4, 3]);
        Assert.Throws<ArgumentException>(() => Functional.BatchNorm(x, null, null, Tensor.Ones([3], DType.Float64), training: true));
        Assert.Throws<ArgumentException>(() => Functional.BatchNorm(Tensor.Zeros([4, 3], DType.Int64), null, null, training: true));
        Assert.Throws<ArgumentException>(() => Functional.BatchNorm(x, Tensor.Zeros([3], DType.Float64), Tensor.Ones([3], DType.Float64)));
    }

    [Fact]
    public void Eval_on_an_empty_batch_gives_an_empty_output()
    {
        var y = Functional.BatchNorm(Tensor.Zeros([0, 3, 2]), Tensor.Zeros([3]), Tensor.Ones([3]));
        Assert.Equal(new Shape(0, 3, 2), y.Shape);
    }

    private static void Row_kernels_match_scalar_loops<T>(ulong seed, double tol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Generator(seed);
        T m = T.CreateTruncating(0.25), s = T.CreateTruncating(1.5), gm = T.CreateTruncating(-0.75), bt = T.CreateTruncating(2.0);
        T meanDy = T.CreateTruncating(0.125), proj = T.CreateTruncating(0.3);
        for (int n = 0; n <= ElementwiseKernelTests.MaxLength; n++)
        {
            var x = ElementwiseKernelTests.Data<T>(rng, n, withSpecials: false);
            var dy = ElementwiseKernelTests.Data<T>(rng, n, withSpecials: false);
            double sum = 0, squares = 0, sumDy = 0, dot = 0;
            for (int i = 0; i < n; i++)
            {
                double xv = double.CreateTruncating(x[i]), gv = double.CreateTruncating(dy[i]), d = xv - double.CreateTruncating(m);
                sum += xv;
                squares += d * d;
                sumDy += gv;
                dot += gv * d;
            }
            double scale = 4 * (n + 1);   // values lie in [−4, 4)
            Assert.True(Math.Abs(sum - double.CreateTruncating(BatchNormKernels.RowSum<T>(x))) <= tol * scale, $"RowSum n={n}");
            Assert.True(Math.Abs(squares - BatchNormKernels.RowSquaredDeviation<T>(x, m)) <= tol * scale * 4, $"RowSquaredDeviation n={n}");
            var (s1, d1) = BatchNormKernels.RowGradientSums<T>(x, dy, m);
            Assert.True(Math.Abs(sumDy - s1) <= tol * scale && Math.Abs(dot - d1) <= tol * scale * 4, $"RowGradientSums n={n}");

            var y = new T[n];
            var dx = new T[n];
            BatchNormKernels.RowNormalize<T>(x, y, m, s, gm, bt);
            BatchNormKernels.RowInputGradient<T>(x, dy, dx, m, meanDy, proj, s);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal((x[i] - m) / s * gm + bt, y[i]);   // the same operations in the same order: exact
                Assert.Equal((dy[i] - meanDy - (x[i] - m) * proj) * s, dx[i]);
            }
        }
    }

    [Fact]
    public void Row_kernels_match_scalar_loops_for_every_tail_length_float32() => Row_kernels_match_scalar_loops<float>(31, 1e-6);

    [Fact]
    public void Row_kernels_match_scalar_loops_for_every_tail_length_float64() => Row_kernels_match_scalar_loops<double>(32, 1e-14);
}
