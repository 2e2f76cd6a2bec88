namespace Cajal.Tests.Core;

/// <summary>Creation functions, dtype conversion and element access.</summary>
public class CreationTests
{
    [Fact]
    public void Zeros_Ones_and_Full_fill_the_requested_shape_and_dtype()
    {
        var z = Tensor.Zeros([2, 3]);
        Assert.Equal(DType.Float32, z.DType);
        Assert.Equal(new float[6], z.ToArray<float>());
        var o = Tensor.Ones([4], DType.Float64);
        Assert.Equal(new[] { 1.0, 1.0, 1.0, 1.0 }, o.ToArray<double>());
        var f = Tensor.Full([2, 2], 7, DType.Int64);
        Assert.Equal(new long[] { 7, 7, 7, 7 }, f.ToArray<long>());
        Assert.Empty(Tensor.Zeros([0, 3]).ToArray<float>());
        var s = Tensor.Scalar(3.5, DType.Float64);
        Assert.Equal(0, s.Rank);
        Assert.Equal(3.5, s.Item());
        Assert.True(Tensor.Ones([2], DType.Float64, requiresGrad: true).RequiresGrad);
        Assert.Equal(new[] { 2, 3 }, Tensor.ZerosLike(z).Shape.ToArray());
        Assert.Equal(DType.Float64, Tensor.OnesLike(o).DType);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, -1]));
    }

    [Fact]
    public void Arange_counts_up_down_and_in_fractional_steps()
    {
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, Tensor.Arange(5).ToArray<long>());
        Assert.Equal(new long[] { 2, 3, 4 }, Tensor.Arange(2, 5).ToArray<long>());
        Assert.Equal(new float[] { 2, 3, 4 }, Tensor.Arange(2, 5, dtype: DType.Float32).ToArray<float>());
        Assert.Equal(new float[] { 0, 0.5f }, Tensor.Arange(0, 1, 0.5).ToArray<float>());
        Assert.Equal(new long[] { 5, 3, 1 }, Tensor.Arange(5, 0, -2).ToArray<long>());
        Assert.Equal(new[] { 1.0, 0.75, 0.5, 0.25 }, Tensor.Arange(1, 0, -0.25, DType.Float64).ToArray<double>());
        Assert.Equal(new[] { 0.0, 0.1, 0.2 }, Tensor.Arange(0, 0.3, 0.1, DType.Float64).ToArray<double>());
        Assert.Equal(10, Tensor.Arange(0, 1, 0.1).Count);
        Assert.Equal(new[] { 0.0, 0.5, 1.0 }, Tensor.Arange(0, 1.1, 0.5, DType.Float64).ToArray<double>());
        Assert.Empty(Tensor.Arange(3, 3).ToArray<long>());
        Assert.Empty(Tensor.Arange(5, 0).ToArray<long>());   // (start 5, end 0), not (end 5, dtype 0)
        Assert.Empty(Tensor.Arange(3, 1).ToArray<long>());
        Assert.Throws<ArgumentException>(() => Tensor.Arange(0, 1, 0));
    }

    [Fact]
    public void Linspace_hits_both_endpoints_exactly()
    {
        var l = Tensor.Linspace(-1.3, 2.7, 7, DType.Float64).ToArray<double>();
        Assert.Equal(7, l.Length);
        Assert.Equal(-1.3, l[0]);
        Assert.Equal(2.7, l[^1]);
        for (int i = 1; i < l.Length; i++) Assert.Equal(4.0 / 6, l[i] - l[i - 1], 12);
        var f = Tensor.Linspace(0.1, 0.7, 4).ToArray<float>();
        Assert.Equal(0.1f, f[0]);
        Assert.Equal(0.7f, f[^1]);
        Assert.Equal(new[] { 5.0 }, Tensor.Linspace(5, 9, 1, DType.Float64).ToArray<double>());
        Assert.Empty(Tensor.Linspace(5, 9, 0).ToArray<float>());
        Assert.Equal(new[] { 0.0, 0.5, 1.0 }, Tensor.Linspace(0, 1, 3, DType.Float64).ToArray<double>());
    }

    [Fact]
    public void Eye_is_the_identity_and_may_be_rectangular()
    {
        Assert.Equal(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, Tensor.Eye(3).ToArray<float>());
        var r = Tensor.Eye(2, 3, DType.Float64);
        Assert.Equal(new[] { 2, 3 }, r.Shape.ToArray());
        Assert.Equal(new[] { 1.0, 0, 0, 0, 1, 0 }, r.ToArray<double>());
        Assert.Equal(new float[] { 1, 0, 0, 1, 0, 0 }, Tensor.Eye(3, 2).ToArray<float>());
    }

    [Fact]
    public void FromArray_takes_flat_data_with_a_shape_and_copies_it()
    {
        var data = new[] { 1f, 2f, 3f, 4f, 5f, 6f };
        var t = Tensor.FromArray(data, 2, 3);
        Assert.Equal(new[] { 2, 3 }, t.Shape.ToArray());
        data[0] = 100;
        Assert.Equal(1f, t[0, 0].Item<float>());
        Assert.Equal(new[] { 3 }, Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }).Shape.ToArray());
        Assert.Equal(DType.Int64, Tensor.FromArray(new long[] { 1 }).DType);
        var ex = Assert.Throws<ArgumentException>(() => Tensor.FromArray(data, 4, 2));
        Assert.Contains("(4, 2)", ex.Message);
    }

    [Fact]
    public void FromArray_takes_multidimensional_arrays_in_row_major_order()
    {
        var d = Tensor.FromArray(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal(DType.Float64, d.DType);
        Assert.Equal(new[] { 2, 3 }, d.Shape.ToArray());
        Assert.Equal(new[] { 1.0, 2, 3, 4, 5, 6 }, d.ToArray<double>());
        var f = Tensor.FromArray(new float[,,] { { { 1, 2 }, { 3, 4 } }, { { 5, 6 }, { 7, 8 } }, { { 9, 10 }, { 11, 12 } } });
        Assert.Equal(DType.Float32, f.DType);
        Assert.Equal(new[] { 3, 2, 2 }, f.Shape.ToArray());
        Assert.Equal(7f, f[2 - 1, 1].ToArray<float>()[0]);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (float)i).ToArray(), f.ToArray<float>());
        var i = Tensor.FromArray(new int[,] { { 1, 2 } });
        Assert.Equal(DType.Int64, i.DType);
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new byte[,] { { 1 } }));
    }

    [Fact]
    public void To_round_trips_between_dtypes()
    {
        var f = Tensor.FromArray(new[] { 1.5f, -2.25f, 1e-7f, 3e30f });
        Assert.Equal(f.ToArray<float>(), f.To(DType.Float64).To(DType.Float32).ToArray<float>());
        var l = Tensor.FromArray(new long[] { -3, 0, 1L << 40 });
        Assert.Equal(l.ToArray<long>(), l.To(DType.Float64).To(DType.Int64).ToArray<long>());
        Assert.Same(f, f.To(DType.Float32));
        var t = Tensor.FromArray(new[] { 1.0, 2.0, 3.0, 4.0 }, 2, 2).T.To(DType.Float32);   // non-contiguous source
        Assert.Equal(new[] { 1f, 3f, 2f, 4f }, t.ToArray<float>());
    }

    [Fact]
    public void Item_and_ToArray_require_the_matching_element_type()
    {
        var f = Tensor.FromArray(new[] { 1f });
        Assert.Equal(1f, f.Item<float>());
        Assert.Equal(1.0, f.Item());
        var ex = Assert.Throws<ArgumentException>(() => f.Item<double>());
        Assert.Contains("Float32", ex.Message);
        Assert.Throws<ArgumentException>(() => f.ToArray<long>());
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new long[] { 1 }).ToArray<float>());
        Assert.Throws<ArgumentException>(() => Tensor.Ones([2]).Item());
        Assert.Equal(new[] { 1.0 }, f.ToDoubleArray());
    }

    [Fact]
    public void Size_Rank_Count_and_Strides_describe_the_layout()
    {
        var x = Tensor.Zeros([2, 3, 4]);
        Assert.Equal(3, x.Rank);
        Assert.Equal(24, x.Count);
        Assert.Equal(4, x.Size(-1));
        Assert.Equal(new[] { 12, 4, 1 }, x.Strides);
        Assert.Equal(new[] { 1, 4, 12 }, x.Permute(2, 1, 0).Strides);
        Assert.Equal(new Shape(2, 3, 4), x.Shape);
        Assert.Equal("(2, 3, 4)", x.Shape.ToString());
        Assert.Equal("()", Tensor.Scalar(1).Shape.ToString());
    }
}
