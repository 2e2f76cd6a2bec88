using static Cajal.Tests.Core.TestData;

namespace Cajal.Tests.Core;

/// <summary>MatMul's shape rules, values and gradients (vectors, matrices, batches, broadcast batches, transposed views).</summary>
public class MatMulTests
{
    public static TheoryData<int[], int[], int[]> ShapeCases => new()
    {
        { new[] { 4 }, new[] { 4 }, Array.Empty<int>() },
        { new[] { 3, 4 }, new[] { 4 }, new[] { 3 } },
        { new[] { 4 }, new[] { 4, 2 }, new[] { 2 } },
        { new[] { 3, 4 }, new[] { 4, 2 }, new[] { 3, 2 } },
        { new[] { 5, 3, 4 }, new[] { 5, 4, 2 }, new[] { 5, 3, 2 } },
        { new[] { 2, 1, 3, 4 }, new[] { 5, 4, 2 }, new[] { 2, 5, 3, 2 } },
        { new[] { 5, 3, 4 }, new[] { 4, 2 }, new[] { 5, 3, 2 } },
        { new[] { 3, 4 }, new[] { 5, 4, 2 }, new[] { 5, 3, 2 } },
        { new[] { 4 }, new[] { 5, 4, 2 }, new[] { 5, 2 } },
        { new[] { 5, 3, 4 }, new[] { 4 }, new[] { 5, 3 } },
        { new[] { 1, 1 }, new[] { 1, 1 }, new[] { 1, 1 } },
    };

    [Theory]
    [MemberData(nameof(ShapeCases))]
    public void MatMul_backward_matches_finite_differences(int[] shapeA, int[] shapeB, int[] expected)
    {
        var rng = new Generator(30);
        var a = Normal(rng, shapeA);
        var b = Normal(rng, shapeB);
        Assert.Equal(expected, a.MatMul(b).Shape.ToArray());
        GradCheckWithUpstream(rng, () => a.MatMul(b), a, b);
    }

    [Theory]
    [MemberData(nameof(ShapeCases))]
    public void MatMul_matches_a_naive_product(int[] shapeA, int[] shapeB, int[] expected)
    {
        var rng = new Generator(31);
        var a = Tensor.RandN(shapeA, rng, DType.Float64);
        var b = Tensor.RandN(shapeB, rng, DType.Float64);
        var c = a.MatMul(b);
        // Reference: promote vectors, broadcast batches by expanding, and loop.
        var a2 = a.Rank == 1 ? a.Unsqueeze(0) : a;
        var b2 = b.Rank == 1 ? b.Unsqueeze(1) : b;
        int m = a2.Size(-2), k = a2.Size(-1), n = b2.Size(-1);
        var batch = BroadcastBatch(a2.Shape.ToArray()[..^2], b2.Shape.ToArray()[..^2]);
        var ae = a2.Expand([.. batch, m, k]).Contiguous().ToArray<double>();
        var be = b2.Expand([.. batch, k, n]).Contiguous().ToArray<double>();
        int count = batch.Aggregate(1, (x, y) => x * y);
        var reference = new double[count * m * n];
        for (int t = 0; t < count; t++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += ae[t * m * k + i * k + p] * be[t * k * n + p * n + j];
                    reference[t * m * n + i * n + j] = s;
                }
        Assert.Equal(expected, c.Shape.ToArray());
        AssertClose(reference, c.ToArray<double>(), 1e-12, 1e-12);
    }

    private static int[] BroadcastBatch(int[] a, int[] b)
    {
        int r = Math.Max(a.Length, b.Length);
        var result = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Length ? 1 : a[i - (r - a.Length)];
            int db = i < r - b.Length ? 1 : b[i - (r - b.Length)];
            result[i] = Math.Max(da, db);
        }
        return result;
    }

    [Fact]
    public void MatMul_of_transposed_views_backward_matches_finite_differences()
    {
        var rng = new Generator(32);
        var a = Normal(rng, 4, 3);
        var b = Normal(rng, 2, 4);
        GradCheckWithUpstream(rng, () => a.T.MatMul(b.T), a, b);
        var c = Normal(rng, 2, 4, 3);
        var d = Normal(rng, 2, 5, 4);
        GradCheckWithUpstream(rng, () => c.Transpose(-1, -2).MatMul(d.Transpose(1, 2)), c, d);
        var e = Normal(rng, 3, 6);
        GradCheckWithUpstream(rng, () => e.Slice(1, 0, 6, 2).T.MatMul(e), e);   // stepped and transposed
    }

    [Fact]
    public void MatMul_of_transposed_views_equals_MatMul_of_contiguous_copies()
    {
        var rng = new Generator(33);
        var a = Tensor.RandN([7, 5], rng, DType.Float32);
        var b = Tensor.RandN([9, 7], rng, DType.Float32);
        var viaViews = a.T.MatMul(b.T).ToArray<float>();
        var viaCopies = a.T.Contiguous().MatMul(b.T.Contiguous()).ToArray<float>();
        Assert.Equal(viaCopies, viaViews);
    }

    [Fact]
    public void MatMul_of_int64_tensors_is_exact()
    {
        var a = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.FromArray(new long[] { 1, 0, 0, 1, 1, 1 }, 3, 2);
        Assert.Equal(new long[] { 4, 5, 10, 11 }, a.MatMul(b).ToArray<long>());
    }

    [Fact]
    public void MatMul_with_an_empty_inner_dimension_gives_zeros()
    {
        var a = Tensor.Zeros([2, 0]);
        var b = Tensor.Zeros([0, 3]);
        var c = a.MatMul(b);
        Assert.Equal(new[] { 2, 3 }, c.Shape.ToArray());
        Assert.All(c.ToArray<float>(), v => Assert.Equal(0f, v));
    }
}
