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

    [Fact]
    public void Max_Min_ArgMax_and_ArgMin_pick_the_first_index_on_ties()
    {
        var x = Tensor.FromArray(new float[] { 1, 3, 3, 2, 0, 0, 5, 5 }, 2, 4);
        var (values, indices) = x.Max(1);
        Assert.Equal(new float[] { 3, 5 }, values.ToArray<float>());
        Assert.Equal(new long[] { 1, 2 }, indices.ToArray<long>());
        Assert.Equal(new long[] { 0, 0 }, x.Min(1).Indices.ToArray<long>());
        Assert.Equal(4L, x.ArgMin().Item<long>());
        Assert.Equal(new long[] { 0, 0 }, x.ArgMin(1).ToArray<long>());
        Assert.Equal(new long[] { 1, 2 }, x.ArgMax(1).ToArray<long>());
        Assert.Equal(new[] { 2, 1 }, x.ArgMax(1, keepDim: true).Shape.ToArray());
        Assert.Equal(6L, x.ArgMax().Item<long>());
        Assert.Equal(0, x.ArgMax().Rank);
        Assert.Equal(new long[] { 0, 0, 1, 1 }, x.ArgMax(0).ToArray<long>());
        Assert.Equal(new long[] { 0, 1 }, Tensor.FromArray(new[] { 2.0, 1.0, 2.0, 3.0 }, 2, 2).ArgMax(0).ToArray<long>());
    }

    [Fact]
    public void Max_over_a_dim_sends_the_gradient_to_the_first_tied_element_only()
    {
        var x = Tensor.FromArray(new[] { 1.0, 3.0, 3.0, 2.0 });
        x.RequiresGrad = true;
        x.Max(0).Values.Backward();
        Assert.Equal(new[] { 0.0, 1.0, 0.0, 0.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Max_and_Min_over_all_split_the_gradient_evenly_between_ties()
    {
        var x = Tensor.FromArray(new[] { 1.0, 3.0, 3.0, 2.0, 3.0, 1.0 }, 2, 3);
        x.RequiresGrad = true;
        (x.Max() * 6.0).Backward();
        Assert.Equal(new[] { 0.0, 2.0, 2.0, 0.0, 2.0, 0.0 }, x.Grad!.ToArray<double>());
        x.Grad = null;
        x.Min().Backward();
        Assert.Equal(new[] { 0.5, 0.0, 0.0, 0.0, 0.0, 0.5 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Reductions_of_non_contiguous_views_match_their_contiguous_copies()
    {
        var rng = new Generator(26);
        var x = Tensor.RandN([4, 5, 6], rng, DType.Float64).Permute(2, 0, 1).Slice(2, 0, 5, 2);
        var c = x.Contiguous();
        Assert.Equal(c.Sum([0, 2]).ToArray<double>(), x.Sum([0, 2]).ToArray<double>());
        Assert.Equal(c.Max(1).Values.ToArray<double>(), x.Max(1).Values.ToArray<double>());
        Assert.Equal(c.Max(1).Indices.ToArray<long>(), x.Max(1).Indices.ToArray<long>());
        Assert.Equal(c.Var(2).ToArray<double>(), x.Var(2).ToArray<double>());
        Assert.Equal(c.LogSumExp(0).ToArray<double>(), x.LogSumExp(0).ToArray<double>());
    }
}
