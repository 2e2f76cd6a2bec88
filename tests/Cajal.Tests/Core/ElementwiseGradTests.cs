using static Cajal.Tests.Core.TestData;

namespace Cajal.Tests.Core;

/// <summary>Gradient checks of the element-wise ops, with broadcasting and size-1 dims, in float64.</summary>
public class ElementwiseGradTests
{
    public static TheoryData<int[], int[]> BroadcastPairs => new()
    {
        { new[] { 2, 3 }, new[] { 2, 3 } },
        { new[] { 2, 3 }, new[] { 3 } },
        { new[] { 3 }, new[] { 2, 3 } },
        { new[] { 2, 1, 4 }, new[] { 3, 1 } },
        { new[] { 1, 3 }, new[] { 2, 1 } },
        { new[] { 2, 3 }, Array.Empty<int>() },
        { Array.Empty<int>(), new[] { 2, 3 } },
        { new[] { 4, 1, 1 }, new[] { 1, 2, 1 } },
        { new[] { 1 }, new[] { 5 } },
    };

    [Theory]
    [MemberData(nameof(BroadcastPairs))]
    public void Add_backward_matches_finite_differences(int[] shapeA, int[] shapeB)
    {
        var rng = new Generator(1);
        var a = Normal(rng, shapeA);
        var b = Normal(rng, shapeB);
        GradCheckWithUpstream(rng, () => a + b, a, b);
    }

    [Theory]
    [MemberData(nameof(BroadcastPairs))]
    public void Sub_backward_matches_finite_differences(int[] shapeA, int[] shapeB)
    {
        var rng = new Generator(2);
        var a = Normal(rng, shapeA);
        var b = Normal(rng, shapeB);
        GradCheckWithUpstream(rng, () => a - b, a, b);
    }

    [Theory]
    [MemberData(nameof(BroadcastPairs))]
    public void Mul_backward_matches_finite_differences(int[] shapeA, int[] shapeB)
    {
        var rng = new Generator(3);
        var a = Normal(rng, shapeA);
        var b = Normal(rng, shapeB);
        GradCheckWithUpstream(rng, () => a * b, a, b);
    }

    [Theory]
    [MemberData(nameof(BroadcastPairs))]
    public void Div_backward_matches_finite_differences(int[] shapeA, int[] shapeB)
    {
        var rng = new Generator(4);
        var a = Normal(rng, shapeA);
        var b = Positive(rng, shapeB);
        GradCheckWithUpstream(rng, () => a / b, a, b);
    }

    [Theory]
    [MemberData(nameof(BroadcastPairs))]
    public void Pow_of_tensors_backward_matches_finite_differences_for_positive_bases(int[] shapeA, int[] shapeB)
    {
        var rng = new Generator(5);
        var a = Positive(rng, shapeA);
        var b = Normal(rng, shapeB);
        GradCheckWithUpstream(rng, () => a.Pow(b), a, b);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(3.0)]
    [InlineData(0.5)]
    [InlineData(-1.5)]
    [InlineData(1.0)]
    public void Pow_of_a_constant_backward_matches_finite_differences(double exponent)
    {
        var rng = new Generator(6);
        var a = Positive(rng, 3, 4);
        GradCheckWithUpstream(rng, () => a.Pow(exponent), a);
    }

    [Fact]
    public void Pow_of_two_is_the_correctly_rounded_square_and_its_gradient_is_two_x_g()
    {
        var values = new[] { -3.5f, -0f, 0f, 1e-30f, 1.1f, 3e19f, float.NaN, float.NegativeInfinity, 0.7f };
        var a = Tensor.FromArray(values);
        a.RequiresGrad = true;
        var y = a.Pow(2.0);
        Assert.Equal(values.Select(v => v * v).ToArray(), y.ToArray<float>());   // x·x, as PyTorch's CPU kernel
        var g = Tensor.FromArray(values.Select((_, i) => 0.25f * (i + 1)).ToArray());
        y.Backward(g);
        Assert.Equal(values.Select((v, i) => 0.25f * (i + 1) * (v * 2f)).ToArray(), a.Grad!.ToArray<float>());
    }

    [Fact]
    public void Pow_with_zero_exponent_has_zero_gradient()
    {
        var a = Tensor.FromArray(new[] { 0.0, 2.0, -3.0 });
        a.RequiresGrad = true;
        a.Pow(0.0).Sum().Backward();
        Assert.Equal(new[] { 0.0, 0.0, 0.0 }, a.Grad!.ToArray<double>());
    }

    [Fact]
    public void Scalar_operators_backward_matches_finite_differences()
    {
        var rng = new Generator(7);
        var a = Positive(rng, 2, 3);
        GradCheckWithUpstream(rng, () => (2.0 - a) * 3.0 + 1.5 / a - a / 4.0 + (1.0 + a) - (a - 0.5), a);
    }

    [Fact]
    public void Neg_backward_matches_finite_differences()
    {
        var rng = new Generator(8);
        var a = Normal(rng, 2, 1, 3);
        GradCheckWithUpstream(rng, () => -a, a);
        GradCheckWithUpstream(rng, () => a.Neg(), a);
    }

    [Fact]
    public void Exp_backward_matches_finite_differences()
    {
        var rng = new Generator(9);
        var a = Normal(rng, 3, 4);
        GradCheckWithUpstream(rng, () => a.Exp(), a);
    }

    [Fact]
    public void Log_backward_matches_finite_differences_for_positive_inputs()
    {
        var rng = new Generator(10);
        var a = Positive(rng, 3, 4);
        GradCheckWithUpstream(rng, () => a.Log(), a);
    }

    [Fact]
    public void Sqrt_backward_matches_finite_differences_for_positive_inputs()
    {
        var rng = new Generator(11);
        var a = Positive(rng, 3, 4);
        GradCheckWithUpstream(rng, () => a.Sqrt(), a);
    }

    [Fact]
    public void Abs_backward_matches_finite_differences_away_from_zero()
    {
        var rng = new Generator(12);
        var a = AwayFromZero(rng, 3, 4);
        GradCheckWithUpstream(rng, () => a.Abs(), a);
    }

    [Theory]
    [InlineData(-0.5, 0.5)]
    [InlineData(-0.3, null)]
    [InlineData(null, 0.2)]
    public void Clamp_backward_matches_finite_differences(double? min, double? max)
    {
        var rng = new Generator(13);
        var a = Normal(rng, 4, 5);
        GradCheckWithUpstream(rng, () => a.Clamp(min, max), a);
    }

    [Theory]
    [MemberData(nameof(BroadcastPairs))]
    public void Maximum_backward_matches_finite_differences_without_ties(int[] shapeA, int[] shapeB)
    {
        var rng = new Generator(14);
        var a = Normal(rng, shapeA);
        var b = Normal(rng, shapeB);
        GradCheckWithUpstream(rng, () => a.Maximum(b), a, b);
    }

    [Theory]
    [MemberData(nameof(BroadcastPairs))]
    public void Minimum_backward_matches_finite_differences_without_ties(int[] shapeA, int[] shapeB)
    {
        var rng = new Generator(15);
        var a = Normal(rng, shapeA);
        var b = Normal(rng, shapeB);
        GradCheckWithUpstream(rng, () => a.Minimum(b), a, b);
    }

    [Fact]
    public void Maximum_at_a_tie_gives_each_side_half_the_gradient()
    {
        var a = Tensor.FromArray(new[] { 1.0, 2.0 });
        var b = Tensor.FromArray(new[] { 1.0, 3.0 });
        a.RequiresGrad = true;
        b.RequiresGrad = true;
        a.Maximum(b).Sum().Backward();
        Assert.Equal(new[] { 0.5, 0.0 }, a.Grad!.ToArray<double>());
        Assert.Equal(new[] { 0.5, 1.0 }, b.Grad!.ToArray<double>());
    }

    [Fact]
    public void Where_backward_matches_finite_differences_with_broadcasting()
    {
        var rng = new Generator(16);
        var condition = Tensor.Rand([2, 1, 4], rng, DType.Float64).Gt(0.5);
        var x = Normal(rng, 3, 1);
        var y = Normal(rng, 2, 3, 4);
        GradCheckWithUpstream(rng, () => Tensor.Where(condition, x, y), x, y);
        var z = Normal(rng, 4);
        GradCheckWithUpstream(rng, () => Tensor.Where(condition, z, z * 2.0), z);
    }

    [Fact]
    public void Where_picks_by_condition()
    {
        var c = Tensor.FromArray(new[] { 1.0, 0.0, 1.0 });
        var x = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 });
        var y = Tensor.FromArray(new[] { -1.0 }, 1);
        Assert.Equal(new[] { 1.0, -1.0, 3.0 }, Tensor.Where(c, x, y).ToArray<double>());
    }

    [Fact]
    public void Element_wise_ops_on_strided_views_backward_matches_finite_differences()
    {
        var rng = new Generator(17);
        var x = Normal(rng, 4, 6);
        var y = Normal(rng, 6, 4);
        var p = Positive(rng, 3, 1);
        // Transposed, stepped, offset and expanded operands all reach the strided kernels.
        GradCheckWithUpstream(rng, () => x * y.T + x.Slice(1, 0, 6, 2).Repeat2() / p.Expand(3, 3).Repeat2Rows(), x, y, p);
        GradCheckWithUpstream(rng, () => x.T.Exp() - y.Narrow(1, 1, 3).Pow(2.0).T.Sigmoid().T.Sum(1, keepDim: true), x, y);
        GradCheckWithUpstream(rng, () => x.Narrow(1, 2, 3).Maximum(y.T.Narrow(1, 1, 3)) * x.Select(0, 3).Narrow(0, 0, 3), x, y);
        GradCheckWithUpstream(rng, () => Tensor.Where(x.Gt(0.0), x.T.T, y.T), x, y);
        GradCheckWithUpstream(rng, () => x.T.Tanh().Relu() + Nn.Functional.Gelu(y.Slice(0, 1, 6, 2)).Sum(0), x, y);
    }
}

/// <summary>Small helpers that build strided shapes for the view-heavy tests.</summary>
internal static class StridedShapes
{
    /// <summary>(4, 3) → (4, 6) by concatenating a tensor with itself along dim 1.</summary>
    public static Tensor Repeat2(this Tensor t) => Tensor.Cat([t, t], 1);

    /// <summary>(3, 3) → (4, 6): rows 0..2 then row 0 again, repeated along columns.</summary>
    public static Tensor Repeat2Rows(this Tensor t) => Tensor.Cat([t, t.Narrow(0, 0, 1)], 0).Repeat2();
}
