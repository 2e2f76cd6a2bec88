namespace Cajal.Tests.Core;

/// <summary>Invalid arguments throw ArgumentException whose message names the op and the shapes or indices involved.</summary>
public class ErrorMessageTests
{
    [Fact]
    public void MatMul_names_both_shapes_and_the_inner_dimensions()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]).MatMul(Tensor.Zeros([4, 5])));
        Assert.Equal("MatMul: (2, 3) @ (4, 5): inner dimensions 3 and 4 differ", ex.Message.TrimEnd('.'));
        Assert.Contains("MatMul", Assert.Throws<ArgumentException>(() => Tensor.Zeros([3]).MatMul(Tensor.Zeros([4]))).Message);
        Assert.Contains("MatMul", Assert.Throws<ArgumentException>(() => Tensor.Scalar(1).MatMul(Tensor.Zeros([4]))).Message);
        var batch = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3, 4]).MatMul(Tensor.Zeros([3, 4, 5])));
        Assert.Contains("MatMul", batch.Message);
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Sub")]
    [InlineData("Mul")]
    [InlineData("Div")]
    [InlineData("Maximum")]
    public void Binary_shape_mismatch_names_the_op_and_both_shapes(string op)
    {
        var a = Tensor.Zeros([2, 3]);
        var b = Tensor.Zeros([4]);
        Action act = op switch
        {
            "Add" => () => a.Add(b),
            "Sub" => () => a.Sub(b),
            "Mul" => () => a.Mul(b),
            "Div" => () => a.Div(b),
            _ => () => a.Maximum(b),
        };
        var ex = Assert.Throws<ArgumentException>(act);
        Assert.Contains(op, ex.Message);
        Assert.Contains("(2, 3)", ex.Message);
        Assert.Contains("(4)", ex.Message);
    }

    [Fact]
    public void Dtype_mismatch_throws_ArgumentException()
    {
        var f = Tensor.Zeros([2]);
        var d = Tensor.Zeros([2], DType.Float64);
        var ex = Assert.Throws<ArgumentException>(() => f + d);
        Assert.Contains("Float32", ex.Message);
        Assert.Contains("Float64", ex.Message);
        Assert.Throws<ArgumentException>(() => f.MatMul(Tensor.Zeros([2], DType.Float64)));
        Assert.Throws<ArgumentException>(() => Tensor.Cat([f, d]));
        Assert.Throws<ArgumentException>(() => Tensor.Where(f, f, d));
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new long[] { 1 }).Exp());
    }

    [Fact]
    public void Select_out_of_range_throws_naming_the_index_and_size()
    {
        var x = Tensor.Zeros([2, 3]);
        var ex = Assert.ThrowsAny<ArgumentException>(() => x.Select(1, 3));
        Assert.Contains("Select", ex.Message);
        Assert.Contains("3", ex.Message);
        Assert.ThrowsAny<ArgumentException>(() => x.Select(1, -4));
        Assert.ThrowsAny<ArgumentException>(() => x.Select(2, 0));
        Assert.ThrowsAny<ArgumentException>(() => x[2]);
    }

    [Fact]
    public void Narrow_out_of_range_throws()
    {
        var x = Tensor.Zeros([2, 3]);
        var ex = Assert.ThrowsAny<ArgumentException>(() => x.Narrow(1, 2, 2));
        Assert.Contains("Narrow", ex.Message);
        Assert.ThrowsAny<ArgumentException>(() => x.Narrow(1, -1, 1));
        Assert.ThrowsAny<ArgumentException>(() => x.Narrow(0, 0, -1));
        Assert.ThrowsAny<ArgumentException>(() => x.Slice(0, 0, 2, 0));
    }

    [Fact]
    public void Permute_with_a_repeated_dim_throws()
    {
        var x = Tensor.Zeros([2, 3, 4]);
        var ex = Assert.ThrowsAny<ArgumentException>(() => x.Permute(0, 1, 1));
        Assert.Contains("Permute", ex.Message);
        Assert.Contains("repeat", ex.Message);
        Assert.ThrowsAny<ArgumentException>(() => x.Permute(0, 1));
        Assert.ThrowsAny<ArgumentException>(() => x.Permute(0, 1, 3));
        Assert.ThrowsAny<ArgumentException>(() => x.Permute(-1, 2, 0));   // −1 and 2 are the same dim
    }

    [Fact]
    public void IndexSelect_out_of_range_names_the_position()
    {
        var x = Tensor.Zeros([4, 2]);
        var ex = Assert.ThrowsAny<ArgumentException>(() => x.IndexSelect(0, Tensor.FromArray(new long[] { 0, 3, 4, 1 })));
        Assert.Contains("IndexSelect", ex.Message);
        Assert.Contains("index 4", ex.Message);
        Assert.Contains("position 2", ex.Message);
        Assert.ThrowsAny<ArgumentException>(() => x.IndexSelect(0, Tensor.FromArray(new long[] { -5 })));
        Assert.ThrowsAny<ArgumentException>(() => x.IndexSelect(0, Tensor.FromArray(new[] { 1f })));
    }

    [Fact]
    public void Bad_dims_throw_naming_the_op()
    {
        var x = Tensor.Zeros([2, 3]);
        Assert.Contains("Sum", Assert.ThrowsAny<ArgumentException>(() => x.Sum(2)).Message);
        Assert.Contains("Sum", Assert.ThrowsAny<ArgumentException>(() => x.Sum([0, -2])).Message);
        Assert.Contains("Transpose", Assert.ThrowsAny<ArgumentException>(() => x.Transpose(0, 2)).Message);
        Assert.Contains("Softmax", Assert.ThrowsAny<ArgumentException>(() => x.Softmax(-3)).Message);
        Assert.Contains("Max", Assert.ThrowsAny<ArgumentException>(() => x.Max(5)).Message);
        Assert.Contains("Unsqueeze", Assert.ThrowsAny<ArgumentException>(() => x.Unsqueeze(4)).Message);
        Assert.Contains("Expand", Assert.ThrowsAny<ArgumentException>(() => x.Expand(4, 3)).Message);
        Assert.Contains("Cat", Assert.ThrowsAny<ArgumentException>(() => Tensor.Cat([x, Tensor.Zeros([3, 3])], 1)).Message);
        Assert.Contains("Stack", Assert.ThrowsAny<ArgumentException>(() => Tensor.Stack([x, Tensor.Zeros([3, 2])])).Message);
        Assert.Contains("Max", Assert.ThrowsAny<ArgumentException>(() => Tensor.Zeros([0]).Max()).Message);
        Assert.Contains("Clamp", Assert.ThrowsAny<ArgumentException>(() => x.Clamp()).Message);
        Assert.Contains("CopyFrom", Assert.ThrowsAny<ArgumentException>(() => x.CopyFrom(Tensor.Zeros([3, 2]))).Message);
    }
}
