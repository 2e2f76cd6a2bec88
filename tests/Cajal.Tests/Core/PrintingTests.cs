namespace Cajal.Tests.Core;

/// <summary>ToString follows PyTorch's printout.</summary>
public class PrintingTests
{
    [Fact]
    public void Whole_float_values_print_with_a_trailing_point()
    {
        Assert.Equal("tensor([1., 2., 3.])", Tensor.FromArray(new float[] { 1, 2, 3 }).ToString());
        Assert.Equal("tensor(5.)", Tensor.Scalar(5).ToString());
    }

    [Fact]
    public void Fractions_print_four_decimals_with_rows_aligned()
    {
        var t = Tensor.FromArray(new float[] { 1, 2.5f, 3, 4 }, 2, 2);
        Assert.Equal("tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])", t.ToString());
    }

    [Fact]
    public void Columns_of_different_widths_are_padded_to_line_up()
    {
        var t = Tensor.FromArray(new float[] { 1.5f, -2.25f, 10, 4 }, 2, 2);
        Assert.Equal("tensor([[ 1.5000, -2.2500],\n        [10.0000,  4.0000]])", t.ToString());
    }

    [Fact]
    public void Three_dimensional_tensors_separate_blocks_with_a_blank_line()
    {
        var t = Tensor.Arange(0, 8, 1, DType.Float32).Reshape(2, 2, 2);
        Assert.Equal("tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])", t.ToString());
    }

    [Fact]
    public void Float64_shows_its_dtype_and_int64_prints_integers()
    {
        Assert.Equal("tensor([0.5000, 1.0000], dtype=Float64)", Tensor.FromArray(new[] { 0.5, 1.0 }).ToString());
        Assert.Equal("tensor([ 1, -2,  3])", Tensor.FromArray(new long[] { 1, -2, 3 }).ToString());
        Assert.Equal("tensor([ 0., 10.])", Tensor.FromArray(new[] { 0f, 10f }).ToString());
    }

    [Fact]
    public void RequiresGrad_and_the_producing_op_show()
    {
        var x = Tensor.Ones([2], requiresGrad: true);
        Assert.Equal("tensor([1., 1.], requiresGrad=True)", x.ToString());
        Assert.Equal("tensor([2., 2.], gradFn=Mul)", (x * 2.0).ToString());
    }

    [Fact]
    public void Large_tensors_are_summarised_with_an_ellipsis()
    {
        var s = Tensor.Full([2000], 1.5).ToString();
        Assert.Equal("tensor([1.5000, 1.5000, 1.5000, ..., 1.5000, 1.5000, 1.5000], size=(2000))", s);
        var m = Tensor.Zeros([100, 100]).ToString();
        Assert.Contains("...", m);
        Assert.True(m.Split('\n').Length < 10, m);
    }

    [Fact]
    public void Special_values_and_small_magnitudes_print_readably()
    {
        Assert.Equal("tensor([1.0000e-05, 1.0000e+00])", Tensor.FromArray(new[] { 1e-5f, 1f }).ToString());
        Assert.Equal("tensor([nan, inf, -inf, 1.])", Tensor.FromArray(new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1f }).ToString());
        Assert.Equal("tensor([], size=(0))", Tensor.Zeros([0]).ToString());
    }
}
