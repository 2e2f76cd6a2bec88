using Cajal.Nn;

namespace Cajal.Tests.Convolution;

/// <summary>Central-difference gradient checks in float64 for every convolution and pooling op.</summary>
public class ConvolutionGradCheckTests
{
    private static Tensor RandN(Generator rng, params int[] shape) => Tensor.RandN(shape, rng, DType.Float64, requiresGrad: true);

    /// <summary>Σ f(inputs)·upstream with a fixed random upstream, so the check covers a whole vector-Jacobian product.</summary>
    private static Func<Tensor> Weighted(Func<Tensor> f, Generator rng)
    {
        Tensor? upstream = null;
        return () =>
        {
            var y = f();
            upstream ??= Tensor.RandN(y.Shape.ToArray(), rng, DType.Float64);
            return (y * upstream).Sum();
        };
    }

    [Theory]
    [InlineData(1, 1, 0, 1, 1, false)]
    [InlineData(2, 1, 1, 1, 1, false)]
    [InlineData(1, 2, 2, 2, 1, false)]
    [InlineData(1, 1, 1, 1, 2, false)]
    [InlineData(2, 3, 1, 1, 2, false)]
    [InlineData(1, 1, 0, 2, 2, true)]   // padding Same with dilation and groups
    public void Conv2d_gradients_match_finite_differences(int sh, int sw, int p, int d, int groups, bool same)
    {
        var rng = new Generator(100);
        var x = RandN(rng, 2, 4, 5, 6);
        var w = RandN(rng, 4, 4 / groups, 3, 2);
        var b = RandN(rng, 4);
        Func<Tensor> f = same
            ? () => Functional.Conv2d(x, w, ConvPadding.Same, b, [sh, sw], [d, d], groups)
            : () => Functional.Conv2d(x, w, b, [sh, sw], [p, p + 1], [d, 1], groups);
        GradCheck.Assert(Weighted(f, rng), x, w, b);
    }

    [Fact]
    public void Conv2d_unbatched_without_bias_gradients_match_finite_differences()
    {
        var rng = new Generator(101);
        var x = RandN(rng, 2, 4, 3);
        var w = RandN(rng, 3, 2, 2, 2);
        GradCheck.Assert(Weighted(() => Functional.Conv2d(x, w, null, [1, 2], [1, 0]), rng), x, w);
    }

    [Theory]
    [InlineData(1, 0, 0, 1, 1)]
    [InlineData(2, 1, 1, 1, 1)]
    [InlineData(2, 0, 1, 2, 1)]
    [InlineData(3, 1, 2, 1, 2)]
    public void ConvTranspose2d_gradients_match_finite_differences(int s, int p, int outputPadding, int d, int groups)
    {
        var rng = new Generator(102);
        var x = RandN(rng, 2, 2, 3, 2);
        var w = RandN(rng, 2, 4 / groups, 3, 2);
        var b = RandN(rng, 4);
        GradCheck.Assert(Weighted(() => Functional.ConvTranspose2d(x, w, b, [s, 1], [p, 0], [outputPadding, 0], [d, 1], groups), rng), x, w, b);
    }

    [Theory]
    [InlineData(2, 2, 0, 1, false)]
    [InlineData(3, 2, 1, 1, false)]
    [InlineData(3, 2, 1, 1, true)]
    [InlineData(2, 1, 1, 2, true)]
    public void MaxPool2d_gradients_match_finite_differences(int k, int s, int p, int d, bool ceil)
    {
        // Distinct random values: no ties, so max pooling is differentiable at the sample point.
        var rng = new Generator(103);
        var x = RandN(rng, 2, 2, 6, 5);
        GradCheck.Assert(Weighted(() => Functional.MaxPool2d(x, [k, k], [s, s], [p, p], [d, d], ceil), rng), x);
    }

    [Theory]
    [InlineData(2, 2, 0, false, true, 0)]
    [InlineData(3, 2, 1, false, true, 0)]
    [InlineData(3, 2, 1, true, false, 0)]
    [InlineData(3, 2, 1, true, true, 4)]
    [InlineData(2, 3, 1, true, false, 0)]
    public void AvgPool2d_gradients_match_finite_differences(int k, int s, int p, bool ceil, bool countIncludePad, int divisor)
    {
        var rng = new Generator(104);
        var x = RandN(rng, 1, 2, 7, 6);
        int? divisorOverride = divisor == 0 ? null : divisor;
        GradCheck.Assert(Weighted(() => Functional.AvgPool2d(x, [k, k - 1 + (k == 2 ? 1 : 0)], [s, s], [p, p / 2], ceil, countIncludePad, divisorOverride), rng), x);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(5, 4)]
    [InlineData(7, 3)]
    public void AdaptiveAvgPool2d_gradients_match_finite_differences(int oh, int ow)
    {
        var rng = new Generator(105);
        var x = RandN(rng, 2, 2, 5, 4);
        GradCheck.Assert(Weighted(() => Functional.AdaptiveAvgPool2d(x, [oh, ow]), rng), x);
    }
}
