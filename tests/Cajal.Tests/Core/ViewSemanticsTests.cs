namespace Cajal.Tests.Core;

/// <summary>Views share storage; Reshape copies when it must, View refuses; shape inference and broadcasting rules.</summary>
public class ViewSemanticsTests
{
    private static Tensor Iota(params int[] shape) => Tensor.Arange(0, shape.Aggregate(1, (a, b) => a * b), 1, DType.Float32).Reshape(shape);

    [Fact]
    public void Writing_through_a_Narrow_view_changes_the_base()
    {
        var x = Iota(3, 4);
        x.Narrow(0, 1, 1).Fill(-1);
        x.Narrow(1, 2, 2).CopyFrom(Tensor.FromArray(new[] { 7f, 8f }));
        Assert.Equal(new float[] { 0, 1, 7, 8, -1, -1, 7, 8, 8, 9, 7, 8 }, x.ToArray<float>());
    }

    [Fact]
    public void Views_share_storage_with_their_base()
    {
        var x = Iota(2, 3);
        var t = x.T;
        var s = x.Select(1, 2);
        var r = x.Reshape(6);
        var e = x.Unsqueeze(0);
        x.Fill(5);
        Assert.All(t.ToArray<float>(), v => Assert.Equal(5f, v));
        Assert.All(s.ToArray<float>(), v => Assert.Equal(5f, v));
        Assert.All(r.ToArray<float>(), v => Assert.Equal(5f, v));
        Assert.All(e.ToArray<float>(), v => Assert.Equal(5f, v));
        x.Slice(1, 0, 3, 2).Fill(1);
        Assert.Equal(new float[] { 1, 5, 1, 1, 5, 1 }, r.ToArray<float>());
    }

    [Fact]
    public void A_transposed_view_reads_the_transposed_elements()
    {
        var x = Iota(2, 3);
        var t = x.T;
        Assert.Equal(new[] { 3, 2 }, t.Shape.ToArray());
        Assert.False(t.IsContiguous);
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, t.ToArray<float>());
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, t.Contiguous().ToArray<float>());
        Assert.True(t.Contiguous().IsContiguous);
    }

    [Fact]
    public void Reshape_of_a_non_contiguous_tensor_copies()
    {
        var x = Iota(2, 3);
        var r = x.T.Reshape(6);
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, r.ToArray<float>());
        x.Fill(9);
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, r.ToArray<float>());   // a copy: unaffected
    }

    [Fact]
    public void Reshape_of_a_contiguous_tensor_is_a_view()
    {
        var x = Iota(2, 3);
        var r = x.Reshape(3, 2);
        r.Fill(4);
        Assert.All(x.ToArray<float>(), v => Assert.Equal(4f, v));
    }

    [Fact]
    public void View_of_a_non_contiguous_tensor_throws()
    {
        var x = Iota(2, 3);
        var ex = Assert.Throws<ArgumentException>(() => x.T.View(6));
        Assert.Contains("View", ex.Message);
        Assert.Contains("contiguous", ex.Message);
    }

    [Fact]
    public void Minus_one_is_inferred_in_Reshape_and_View()
    {
        var x = Iota(2, 3, 4);
        Assert.Equal(new[] { 6, 4 }, x.Reshape(-1, 4).Shape.ToArray());
        Assert.Equal(new[] { 2, 12 }, x.View(2, -1).Shape.ToArray());
        Assert.Equal(new[] { 24 }, x.Reshape(-1).Shape.ToArray());
        Assert.Equal(new[] { 0, 5 }, Tensor.Zeros([0, 5]).Reshape(-1, 5).Shape.ToArray());
        Assert.Throws<ArgumentException>(() => x.Reshape(-1, -1));
        Assert.Throws<ArgumentException>(() => x.Reshape(5, -1));
        Assert.Throws<ArgumentException>(() => x.Reshape(5, 5));
        Assert.Throws<ArgumentException>(() => x.Reshape(-2, 12));
    }

    [Fact]
    public void Squeeze_Unsqueeze_Expand_and_Slice_give_the_expected_shapes()
    {
        var x = Iota(2, 1, 3, 1);
        Assert.Equal(new[] { 2, 3 }, x.Squeeze().Shape.ToArray());
        Assert.Equal(new[] { 2, 3, 1 }, x.Squeeze(1).Shape.ToArray());
        Assert.Equal(new[] { 2, 1, 3, 1 }, x.Squeeze(0).Shape.ToArray());
        Assert.Equal(new[] { 1, 2, 1, 3, 1 }, x.Unsqueeze(0).Shape.ToArray());
        Assert.Equal(new[] { 2, 1, 3, 1, 1 }, x.Unsqueeze(-1).Shape.ToArray());
        var e = Iota(3, 1).Expand(2, 3, 4);
        Assert.Equal(new[] { 2, 3, 4 }, e.Shape.ToArray());
        Assert.Equal(new float[] { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2 }, e[1].ToArray<float>());
        var s = Iota(10).Slice(0, 1, 8, 3);
        Assert.Equal(new float[] { 1, 4, 7 }, s.ToArray<float>());
        Assert.Equal(new float[] { 6, 7, 8 }, Iota(10).Slice(0, -4, -1).ToArray<float>());
        Assert.Equal(new float[] { 8, 9 }, Iota(10).Slice(0, 8, 100).ToArray<float>());
        Assert.Equal(new float[] { 2, 3, 4 }, Iota(10).Narrow(0, 2, 3).ToArray<float>());
        Assert.Equal(new float[] { 1, 5, 9 }, Iota(3, 4).Select(1, 1).ToArray<float>());
        Assert.Equal(new float[] { 8, 9, 10, 11 }, Iota(3, 4)[-1].ToArray<float>());
        Assert.Equal(6f, Iota(3, 4)[1, 2].Item<float>());
        Assert.Equal(new float[] { 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11 },
            Iota(3, 4).IndexSelect(0, Tensor.FromArray(new long[] { 2, 0, -1 })).ToArray<float>());
        Assert.Equal(new[] { 2, 2, 4 }, Iota(3, 4).Index(Tensor.FromArray(new long[] { 0, 1, 1, 2 }, 2, 2)).Shape.ToArray());
    }

    [Fact]
    public void Writing_to_an_expanded_view_in_place_is_refused()
    {
        var e = Iota(3, 1).Expand(3, 4);
        Assert.Throws<InvalidOperationException>(() => e.Fill(1));
    }

    [Fact]
    public void Shapes_broadcast_by_NumPy_rules()
    {
        var a = Tensor.Ones([2, 1, 4]);
        var b = Tensor.Ones([3, 1]);
        Assert.Equal(new[] { 2, 3, 4 }, (a + b).Shape.ToArray());
        Assert.Equal(new[] { 2, 3, 4 }, (b * a).Shape.ToArray());
        var s = Tensor.Scalar(2);
        Assert.Equal(new[] { 2, 1, 4 }, (a * s).Shape.ToArray());
        Assert.Equal(new[] { 2, 1, 4 }, (s - a).Shape.ToArray());
        Assert.Empty((s + s).Shape.ToArray());
        Assert.Equal(new[] { 0, 4 }, (Tensor.Ones([0, 1]) + Tensor.Ones([4])).Shape.ToArray());
    }

    [Fact]
    public void Broadcast_arithmetic_gives_the_expected_values()
    {
        var col = Tensor.FromArray(new[] { 10f, 20f }, 2, 1);
        var row = Tensor.FromArray(new[] { 1f, 2f, 3f });
        Assert.Equal(new float[] { 11, 12, 13, 21, 22, 23 }, (col + row).ToArray<float>());
        Assert.Equal(new float[] { 9, 8, 7, 19, 18, 17 }, (col - row).ToArray<float>());
        Assert.Equal(new float[] { 10, 5, 10f / 3, 20, 10, 20f / 3 }, (col / row).ToArray<float>());
        Assert.Equal(new float[] { 3, 4, 5 }, (row + Tensor.Scalar(2)).ToArray<float>());
        Assert.Equal(new float[] { 1, 0, 0 }, row.Lt(2).ToArray<float>());
        Assert.Equal(new float[] { 0, 0, 1 }, row.Gt(Tensor.Scalar(2)).ToArray<float>());
        Assert.Equal(new float[] { 1, 8, 27 }, row.Pow(3).ToArray<float>());
        Assert.Equal(new float[] { -1, 0, 1 }, (row - 2).Sign().ToArray<float>());
        Assert.Equal(new float[] { 1.5f, 2, 2.5f }, row.Clamp(1.5, 2.5).ToArray<float>());
    }

    [Fact]
    public void Int64_tensors_support_integer_arithmetic()
    {
        var a = Tensor.FromArray(new long[] { 7, -7, 3 });
        var b = Tensor.FromArray(new long[] { 2, 2, 3 });
        Assert.Equal(new long[] { 9, -5, 6 }, (a + b).ToArray<long>());
        Assert.Throws<ArgumentException>(() => a / b);   // PyTorch divides Int64 truly into floats; Cajal asks for an explicit To()
        Assert.Equal(new long[] { -7, 7, -3 }, (-a).ToArray<long>());
    }
}
