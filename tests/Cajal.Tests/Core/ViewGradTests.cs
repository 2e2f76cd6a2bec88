using static Cajal.Tests.Core.TestData;

namespace Cajal.Tests.Core;

/// <summary>Gradient checks of views, indexing, joining and copies, in float64.</summary>
public class ViewGradTests
{
    [Fact]
    public void Reshape_and_View_backward_matches_finite_differences()
    {
        var rng = new Generator(40);
        var x = Normal(rng, 2, 3, 4);
        GradCheckWithUpstream(rng, () => x.Reshape(6, -1), x);
        GradCheckWithUpstream(rng, () => x.View(4, 3, 2), x);
        GradCheckWithUpstream(rng, () => x.Transpose(0, 2).Reshape(-1), x);   // non-contiguous: copies
        GradCheckWithUpstream(rng, () => x.Flatten(), x);
    }

    [Fact]
    public void Transpose_T_and_Permute_backward_matches_finite_differences()
    {
        var rng = new Generator(41);
        var x = Normal(rng, 2, 3, 4);
        GradCheckWithUpstream(rng, () => x.Transpose(0, 1), x);
        GradCheckWithUpstream(rng, () => x.Transpose(-1, 0), x);
        GradCheckWithUpstream(rng, () => x.T, x);
        GradCheckWithUpstream(rng, () => x.Permute(2, 0, 1), x);
        GradCheckWithUpstream(rng, () => x.Permute(1, 2, 0).Permute(2, 0, 1) * x, x);
    }

    [Fact]
    public void Squeeze_and_Unsqueeze_backward_matches_finite_differences()
    {
        var rng = new Generator(42);
        var x = Normal(rng, 2, 1, 3, 1);
        GradCheckWithUpstream(rng, () => x.Squeeze(), x);
        GradCheckWithUpstream(rng, () => x.Squeeze(1), x);
        GradCheckWithUpstream(rng, () => x.Squeeze(0), x);
        GradCheckWithUpstream(rng, () => x.Unsqueeze(0), x);
        GradCheckWithUpstream(rng, () => x.Unsqueeze(-1), x);
        GradCheckWithUpstream(rng, () => x.Unsqueeze(2), x);
    }

    [Fact]
    public void Expand_backward_matches_finite_differences()
    {
        var rng = new Generator(43);
        var x = Normal(rng, 3, 1);
        GradCheckWithUpstream(rng, () => x.Expand(2, 3, 4), x);
        GradCheckWithUpstream(rng, () => x.Expand(-1, 5), x);
        var y = Normal(rng, 4);
        GradCheckWithUpstream(rng, () => y.ExpandAs(Tensor.Zeros([3, 4])), y);
    }

    [Fact]
    public void Narrow_and_Slice_with_step_backward_matches_finite_differences()
    {
        var rng = new Generator(44);
        var x = Normal(rng, 5, 7);
        GradCheckWithUpstream(rng, () => x.Narrow(0, 1, 3), x);
        GradCheckWithUpstream(rng, () => x.Narrow(1, 6, 1), x);
        GradCheckWithUpstream(rng, () => x.Slice(1, 1, 7, 2), x);
        GradCheckWithUpstream(rng, () => x.Slice(0, -4, -1, 3), x);
        GradCheckWithUpstream(rng, () => x.Slice(1, 0, 7, 3).Slice(0, 0, 5, 2), x);
    }

    [Fact]
    public void Select_and_indexers_backward_matches_finite_differences()
    {
        var rng = new Generator(45);
        var x = Normal(rng, 3, 4, 2);
        GradCheckWithUpstream(rng, () => x.Select(1, 2), x);
        GradCheckWithUpstream(rng, () => x.Select(-1, -1), x);
        GradCheckWithUpstream(rng, () => x[1], x);
        GradCheckWithUpstream(rng, () => x[2, 3], x);
    }

    [Fact]
    public void IndexSelect_with_repeated_indices_backward_matches_finite_differences()
    {
        var rng = new Generator(46);
        var x = Normal(rng, 4, 3);
        var repeated = Tensor.FromArray(new long[] { 2, 0, 2, 2, -1 });
        GradCheckWithUpstream(rng, () => x.IndexSelect(0, repeated), x);
        GradCheckWithUpstream(rng, () => x.IndexSelect(1, Tensor.FromArray(new long[] { 1, 1, 0, 2 }, 2, 2)), x);
        GradCheckWithUpstream(rng, () => x.Index(Tensor.FromArray(new long[] { 3, 3, 1 })), x);
    }

    [Fact]
    public void IndexSelect_with_repeated_indices_accumulates_gradient()
    {
        var x = Tensor.Zeros([3], DType.Float64, requiresGrad: true);
        x.IndexSelect(0, Tensor.FromArray(new long[] { 1, 1, 1, 2 })).Sum().Backward();
        Assert.Equal(new[] { 0.0, 3.0, 1.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Cat_and_Stack_backward_matches_finite_differences()
    {
        var rng = new Generator(47);
        var a = Normal(rng, 2, 3);
        var b = Normal(rng, 2, 1);
        var c = Normal(rng, 2, 4);
        GradCheckWithUpstream(rng, () => Tensor.Cat([a, b, c], 1), a, b, c);
        GradCheckWithUpstream(rng, () => Tensor.Cat([a, a * 2.0], 0), a);
        var d = Normal(rng, 2, 3);
        GradCheckWithUpstream(rng, () => Tensor.Stack([a, d], 0), a, d);
        GradCheckWithUpstream(rng, () => Tensor.Stack([a, d, a], -1), a, d);
    }

    [Fact]
    public void Cat_and_Stack_give_the_expected_values()
    {
        var a = Tensor.FromArray(new[] { 1f, 2f }, 1, 2);
        var b = Tensor.FromArray(new[] { 3f, 4f }, 1, 2);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, Tensor.Cat([a, b], 0).ToArray<float>());
        Assert.Equal(new[] { 1, 4 }, Tensor.Cat([a, b], 1).Shape.ToArray());
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, Tensor.Cat([a, b], 1).ToArray<float>());
        var s = Tensor.Stack([a, b], 2);
        Assert.Equal(new[] { 1, 2, 2 }, s.Shape.ToArray());
        Assert.Equal(new[] { 1f, 3f, 2f, 4f }, s.ToArray<float>());
    }

    [Fact]
    public void Contiguous_and_Clone_backward_matches_finite_differences()
    {
        var rng = new Generator(48);
        var x = Normal(rng, 3, 4);
        GradCheckWithUpstream(rng, () => x.T.Contiguous(), x);
        GradCheckWithUpstream(rng, () => x.Contiguous(), x);
        GradCheckWithUpstream(rng, () => x.Clone() * x, x);
        GradCheckWithUpstream(rng, () => x.Slice(1, 0, 4, 2).Clone(), x);
    }

    [Fact]
    public void To_float32_passes_the_gradient_back_as_float64()
    {
        var x = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 });
        x.RequiresGrad = true;
        var w = Tensor.FromArray(new[] { 0.5f, -2f, 4f });
        (x.To(DType.Float32) * w).Sum().Backward();
        Assert.Equal(DType.Float64, x.Grad!.DType);
        Assert.Equal(new[] { 0.5, -2.0, 4.0 }, x.Grad.ToArray<double>());
    }

    [Fact]
    public void To_the_same_dtype_backward_matches_finite_differences()
    {
        var rng = new Generator(49);
        var x = Normal(rng, 3, 2);
        GradCheckWithUpstream(rng, () => x.To(DType.Float64) * x, x);
    }

    [Fact]
    public void To_int64_does_not_record_a_gradient()
    {
        var x = Tensor.FromArray(new[] { 1.7, -2.2 });
        x.RequiresGrad = true;
        var i = x.To(DType.Int64);
        Assert.False(i.RequiresGrad);
        Assert.Equal(new long[] { 1, -2 }, i.ToArray<long>());
    }

    [Fact]
    public void A_chain_of_views_backward_matches_finite_differences()
    {
        var rng = new Generator(50);
        var x = Normal(rng, 2, 3, 4);
        GradCheckWithUpstream(rng, () => x.Permute(2, 0, 1).Narrow(0, 1, 2).Unsqueeze(1).Expand(2, 3, 2, 3).Select(3, 1).Reshape(3, 4), x);
    }
}
