using System.Numerics;
using Cajal.Kernels;

namespace Cajal.Tests.Core;

/// <summary>Gemm.Multiply against a naive triple loop at odd sizes, for every transposition of A and B and with accumulation.</summary>
public class GemmKernelTests
{
    private static readonly int[] Sizes = [1, 2, 3, 7, 15, 16, 17, 31, 33];

    /// <summary>Runs one product of stored operands and compares it with the triple loop.</summary>
    private static void CheckOne<T>(Generator rng, int m, int n, int k, bool transA, bool transB, bool accumulate, double rtol,
        int aOffset = 0, int bOffset = 0, int cOffset = 0, int ldcPad = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A is logically (m, k): stored (m, k) row-major, or (k, m) row-major when transposed. Same for B (k, n).
        var a = ElementwiseKernelTests.Data<T>(rng, aOffset + m * k, withSpecials: false);
        var b = ElementwiseKernelTests.Data<T>(rng, bOffset + k * n, withSpecials: false);
        int ldc = n + ldcPad;
        var c = ElementwiseKernelTests.Data<T>(rng, cOffset + m * ldc, withSpecials: false);
        var before = (T[])c.Clone();
        (int aRow, int aCol) = transA ? (1, m) : (k, 1);
        (int bRow, int bCol) = transB ? (1, k) : (n, 1);
        Gemm.Multiply(m, n, k, a, aOffset, aRow, aCol, b, bOffset, bRow, bCol, c, cOffset, ldc, accumulate);

        string where = $"{typeof(T).Name} m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate}";
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double product = double.CreateTruncating(a[aOffset + i * aRow + p * aCol]) * double.CreateTruncating(b[bOffset + p * bRow + j * bCol]);
                    sum += product;
                    magnitude += Math.Abs(product);
                }
                double old = double.CreateTruncating(before[cOffset + i * ldc + j]);
                if (accumulate)
                {
                    sum += old;
                    magnitude += Math.Abs(old);
                }
                double actual = double.CreateTruncating(c[cOffset + i * ldc + j]);
                Assert.True(Math.Abs(actual - sum) <= rtol * (magnitude + 1e-30), $"{where}: C[{i}, {j}] = {actual}, expected {sum}");
            }
        // Nothing outside C's m×n window is touched.
        for (int idx = 0; idx < c.Length; idx++)
        {
            int rel = idx - cOffset;
            bool inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inside) Assert.True(before[idx].Equals(c[idx]), $"{where}: element {idx} outside C was written");
        }
    }

    private static void AllCombinations<T>(ulong seed, double rtol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Generator(seed);
        foreach (int m in Sizes)
            foreach (int n in Sizes)
                foreach (int k in Sizes)
                    foreach (bool transA in new[] { false, true })
                        foreach (bool transB in new[] { false, true })
                            foreach (bool accumulate in new[] { false, true })
                                CheckOne<T>(rng, m, n, k, transA, transB, accumulate, rtol);
    }

    [Fact]
    public void Multiply_float_matches_the_triple_loop_at_odd_sizes_for_every_transposition_and_accumulation() => AllCombinations<float>(120, 1e-6);

    [Fact]
    public void Multiply_double_matches_the_triple_loop_at_odd_sizes_for_every_transposition_and_accumulation() => AllCombinations<double>(121, 1e-14);

    [Fact]
    public void Multiply_accumulates_or_overwrites_for_every_transposition()
    {
        var rng = new Generator(122);
        foreach (bool accumulate in new[] { false, true })
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                {
                    CheckOne<float>(rng, 7, 17, 33, transA, transB, accumulate, 1e-6);
                    CheckOne<double>(rng, 16, 3, 31, transA, transB, accumulate, 1e-14);
                }
    }

    [Fact]
    public void Multiply_honours_offsets_and_a_padded_ldc()
    {
        var rng = new Generator(123);
        foreach (bool accumulate in new[] { false, true })
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    CheckOne<double>(rng, 5, 7, 9, transA, transB, accumulate, 1e-14, aOffset: 3, bOffset: 5, cOffset: 2, ldcPad: 4);
    }

    [Fact]
    public void Multiply_large_enough_to_run_in_parallel_matches_the_triple_loop()
    {
        var rng = new Generator(124);
        foreach (bool transB in new[] { false, true })
        {
            CheckOne<float>(rng, 67, 65, 300, transA: false, transB, accumulate: false, 1e-5);
            CheckOne<double>(rng, 70, 63, 290, transA: true, transB, accumulate: true, 1e-13);
        }
    }

    [Fact]
    public void Multiply_with_zero_k_clears_or_keeps_C()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Multiply(2, 2, 0, Array.Empty<float>(), 0, 0, 1, Array.Empty<float>(), 0, 2, 1, c, 0, 2, accumulate: true);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, c);
        Gemm.Multiply(2, 2, 0, Array.Empty<float>(), 0, 0, 1, Array.Empty<float>(), 0, 2, 1, c, 0, 2, accumulate: false);
        Assert.Equal(new float[] { 0, 0, 0, 0 }, c);
    }
}
