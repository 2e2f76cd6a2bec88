namespace Cajal.Tests.Core;

/// <summary>Op results carry no strides array until asked; what they report must equal the materialised strides.</summary>
public class LazyLayoutTests
{
    public static TheoryData<int[]> Shapes => new()
    {
        Array.Empty<int>(), new[] { 5 }, new[] { 0 }, new[] { 3, 4 }, new[] { 3, 0, 2 }, new[] { 2, 1, 3 }, new[] { 2, 3, 0, 4 }, new[] { 1, 1, 1, 7 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Stride_of_a_fresh_result_equals_the_contiguous_strides_including_empty_dimensions(int[] shape)
    {
        var fresh = Tensor.Zeros(shape) + 1.0f;   // an op result: strides not yet materialised
        var expected = Shape.ContiguousStrides(shape);
        Assert.True(fresh.IsContiguous);
        for (int d = 0; d < shape.Length; d++) Assert.Equal(expected[d], fresh.Stride(d));
        Assert.Equal(expected, fresh.Strides);    // materialises them
        for (int d = 0; d < shape.Length; d++) Assert.Equal(expected[d], fresh.Stride(d));
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b), fresh.Count);
    }

    [Fact]
    public void A_transposed_view_of_a_fresh_result_is_not_contiguous_and_reads_the_right_elements()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3) * 1f;
        var t = a.T;
        Assert.False(t.IsContiguous);
        Assert.Equal(new[] { 1, 3 }, t.Strides);
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, t.Contiguous().ToArray<float>());
    }
}
