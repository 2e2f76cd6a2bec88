using static Cajal.Tests.Core.TestData;

namespace Cajal.Tests.Core;

/// <summary>Gradient checks of Sum, Mean, Max, Min, Var, Std and LogSumExp over dims, in float64.</summary>
public class ReductionGradTests
{
    public static TheoryData<int[], int[]?, bool> DimCases => new()
    {
        { new[] { 3, 4 }, null, false },
        { new[] { 3, 4 }, null, true },
        { new[] { 3, 4 }, new[] { 0 }, false },
        { new[] { 3, 4 }, new[] { 0 }, true },
        { new[] { 3, 4 }, new[] { -1 }, false },
        { new[] { 2, 3, 4 }, new[] { 1 }, true },
        { new[] { 2, 3, 4 }, new[] { 0, 2 }, false },
        { new[] { 2, 3, 4 }, new[] { 2, 0 }, true },
        { new[] { 2, 1, 3 }, new[] { 1 }, false },
        { new[] { 5 }, new[] { 0 }, false },
        { Array.Empty<int>(), null, false },
    };

    [Theory]
    [MemberData(nameof(DimCases))]
    public void Sum_backward_matches_finite_differences(int[] shape, int[]? dims, bool keepDim)
    {
        var rng = new Generator(20);
        var x = Normal(rng, shape);
        GradCheckWithUpstream(rng, () => x.Sum(dims, keepDim), x);
    }

    [Theory]
    [MemberData(nameof(DimCases))]
    public void Mean_backward_matches_finite_differences(int[] shape, int[]? dims, bool keepDim)
    {
        var rng = new Generator(21);
        var x = Normal(rng, shape);
        GradCheckWithUpstream(rng, () => x.Mean(dims, keepDim), x);
    }

    [Theory]
    [MemberData(nameof(DimCases))]
    public void LogSumExp_backward_matches_finite_differences(int[] shape, int[]? dims, bool keepDim)
    {
        var rng = new Generator(22);
        var x = Normal(rng, shape);
        GradCheckWithUpstream(rng, () => x.LogSumExp(dims ?? [], keepDim), x);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(-1, false)]
    [InlineData(2, true)]
    public void Max_and_Min_over_a_dim_backward_matches_finite_differences(int dim, bool keepDim)
    {
        var rng = new Generator(23);
        var x = Normal(rng, 2, 3, 4);
        GradCheckWithUpstream(rng, () => x.Max(dim, keepDim).Values, x);
        GradCheckWithUpstream(rng, () => x.Min(dim, keepDim).Values, x);
    }

    [Fact]
    public void Max_and_Min_over_all_backward_matches_finite_differences()
    {
        var rng = new Generator(24);
        var x = Normal(rng, 3, 4);
        GradCheckWithUpstream(rng, () => x.Max(), x);
        GradCheckWithUpstream(rng, () => x.Min(), x);
    }

    [Theory]
    [InlineData(null, 1, false)]
    [InlineData(null, 0, true)]
    [InlineData(new[] { 1 }, 1, false)]
    [InlineData(new[] { 0, 2 }, 1, true)]
    [InlineData(new[] { -1 }, 0, true)]
    public void Var_and_Std_backward_matches_finite_differences(int[]? dims, int correction, bool keepDim)
    {
        var rng = new Generator(25);
        var x = Normal(rng, 2, 3, 4);
        GradCheckWithUpstream(rng, () => x.Var(dims, correction, keepDim), x);
        GradCheckWithUpstream(rng, () => x.Std(dims, correction, keepDim), x);
    }

    [Fact]
    public void Reductions_give_the_expected_values()
    {
        var x = Tensor.FromArray(new double[,] { { 1, 2, 3 }, { 4, 5, 7 } });
        Assert.Equal(new[] { 5.0, 7.0, 10.0 }, x.Sum(0).ToArray<double>());
        Assert.Equal(new[] { 2, 1 }, x.Sum(1, keepDim: true).Shape.ToArray());
        Assert.Equal(22.0, x.Sum().Item());
        Assert.Equal(0, x.Sum().Rank);
        Assert.Equal(new[] { 2.0, 16.0 / 3.0 }, x.Mean(1).ToArray<double>());
        Assert.Equal(new[] { 4.5, 4.5, 8.0 }, x.Var(0).ToArray<double>());
        Assert.Equal(new[] { 2.25, 2.25, 4.0 }, x.Var(0, correction: 0).ToArray<double>());
        Assert.Equal(Math.Sqrt(4.5), x.Std(0).ToArray<double>()[1], 12);
        Assert.Equal(Math.Log(Math.Exp(1) + Math.Exp(4)), x.LogSumExp(0).ToArray<double>()[0], 12);
        Assert.Equal(new[] { 3.0, 7.0 }, x.Max(1).Values.ToArray<double>());
        Assert.Equal(new[] { 2L, 2L }, x.Max(1).Indices.ToArray<long>());
        Assert.Equal(new[] { 1.0, 2.0, 3.0 }, x.Min(0).Values.ToArray<double>());
        Assert.Equal(7.0, x.Max().Item());
        Assert.Equal(1.0, x.Min().Item());
    }

    [Fact]
    public void LogSumExp_is_stable_for_large_inputs_and_all_negative_infinity()
    {
        var x = Tensor.FromArray(new[] { 1000.0, 1000.0 });
        Assert.Equal(1000.0 + Math.Log(2), x.LogSumExp(0).Item(), 12);
        var y = Tensor.FromArray(new[] { double.NegativeInfinity, double.NegativeInfinity });
        Assert.Equal(double.NegativeInfinity, y.LogSumExp(0).Item());
    }
}
