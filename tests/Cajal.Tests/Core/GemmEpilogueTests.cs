using System.Numerics;
using System.Runtime.InteropServices;
using Cajal.Kernels;

namespace Cajal.Tests.Core;

/// <summary>
/// The GEMM epilogue (bias per column or per row, then optionally ReLU) against the same product without it followed by
/// a plain loop that adds the bias and applies ReLU's scalar rule: bit for bit, on every path, both threading schemes,
/// partial tiles, accumulate, NaN, infinities and signed zeros.
/// </summary>
public class GemmEpilogueTests
{
    /// <summary>The reference: C = C + b (per row or column), then x &gt; 0 ? x : (NaN ? x : 0) where relu.</summary>
    private static void Reference<T>(T[] c, int cOffset, int ldc, int m, int n, T[]? bias, int biasOffset, bool perRow, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                ref T v = ref c[cOffset + i * ldc + j];
                if (bias is not null) v += bias[biasOffset + (perRow ? i : j)];
                if (relu) v = v > T.Zero ? v : (T.IsNaN(v) ? v : T.Zero);
            }
    }

    private static bool SameBits<T>(T[] x, T[] y) where T : unmanaged =>
        MemoryMarshal.AsBytes(x.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(y.AsSpan()));

    private static void Check<T>(Generator rng, GemmPath path, int m, int n, int k, bool transB, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = ElementwiseKernelTests.Data<T>(rng, 2 + m * k);
        for (int p = 0; p < k; p++) a[2 + p] = T.Zero;                   // a zero row: products of ±0, so ReLU meets −0
        if (m > 2 && k > 0) a[2 + 2 * k] = T.NaN;                        // a NaN row
        var b = ElementwiseKernelTests.Data<T>(rng, 1 + k * n, withSpecials: false);
        int ldc = n + 3;
        var c0 = ElementwiseKernelTests.Data<T>(rng, 4 + m * ldc);      // NaN, ±0, ±∞ in C for accumulate
        var bias = ElementwiseKernelTests.Data<T>(rng, 5 + Math.Max(m, n));
        bias[5] = T.NegativeZero;
        foreach (bool perRow in new[] { false, true })
            foreach (bool withBias in new[] { false, true })
                foreach (bool relu in new[] { false, true })
                {
                    if (!withBias && !relu) continue;
                    T[]? bs = withBias ? bias : null;
                    var expected = (T[])c0.Clone();
                    var actual = (T[])c0.Clone();
                    int bRow = transB ? 1 : n, bCol = transB ? k : 1;
                    GemmKernelTests.WithPath(path, () =>
                    {
                        Gemm.Multiply(m, n, k, a, 2, k, 1, b, 1, bRow, bCol, expected, 4, ldc, accumulate);
                        Gemm.Multiply(m, n, k, a, 2, k, 1, b, 1, bRow, bCol, actual, 4, ldc, accumulate,
                            new GemmEpilogue<T>(bs, 5, perRow, relu));
                    });
                    Reference(expected, 4, ldc, m, n, bs, 5, perRow, relu);
                    Assert.True(SameBits(expected, actual),
                        $"{path} {typeof(T).Name} {m}x{n}x{k} transB={transB} accumulate={accumulate} bias={(withBias ? (perRow ? "row" : "column") : "none")} relu={relu} threads={Parallelism.MaxThreads}");
                }
    }

    [Theory]
    [InlineData("Avx512")]
    [InlineData("Avx2")]
    [InlineData("Portable")]
    public void The_epilogue_gives_the_bits_of_the_product_then_the_bias_add_then_ReLU(string name)
    {
        var path = Enum.Parse<GemmPath>(name);
        if ((path == GemmPath.Avx512 && !GemmAvx512.IsSupported) || (path == GemmPath.Avx2 && !GemmAvx2.IsSupported)) return;
        var rng = new Generator(140);
        int savedThreads = Parallelism.MaxThreads;
        long savedWork = Gemm.ColumnSplitWork;
        try
        {
            // Partial tiles (13, 33, 10), several kc blocks (300, 513), a row-major A read in place (k = 128, 784) and
            // packed (k = 256 with 40 panels), the shared-B scheme and column bands (work 0) on 1–3 threads.
            foreach (var (m, n, k) in new[] { (1, 1, 1), (13, 33, 7), (25, 10, 300), (40, 70, 513), (30, 1280, 256), (100, 10, 128), (24, 64, 784) })
                foreach (var (threads, work) in new[] { (1, long.MaxValue), (2, long.MaxValue), (2, 0L), (3, 0L) })
                {
                    Parallelism.MaxThreads = threads;
                    Gemm.ColumnSplitWork = work;
                    foreach (bool transB in new[] { false, true })
                        foreach (bool accumulate in new[] { false, true })
                        {
                            Check<float>(rng, path, m, n, k, transB, accumulate);
                            Check<double>(rng, path, m, n, k, transB, accumulate);
                        }
                }
        }
        finally
        {
            Parallelism.MaxThreads = savedThreads;
            Gemm.ColumnSplitWork = savedWork;
        }
    }

    [Fact]
    public void A_zero_depth_product_still_gets_its_epilogue()
    {
        var bias = new float[] { 1, -2 };
        var c = new float[] { 5, 5, -7, 3 };
        Gemm.Multiply(2, 2, 0, Array.Empty<float>(), 0, 0, 1, Array.Empty<float>(), 0, 2, 1, c, 0, 2, accumulate: true,
            new GemmEpilogue<float>(bias, relu: true));
        Assert.Equal(new float[] { 6, 3, 0, 1 }, c);
        Gemm.Multiply(2, 2, 0, Array.Empty<float>(), 0, 0, 1, Array.Empty<float>(), 0, 2, 1, c, 0, 2, accumulate: false,
            new GemmEpilogue<float>(bias, biasPerRow: true));
        Assert.Equal(new float[] { 1, 1, -2, -2 }, c);
    }

    [Fact]
    public void ReLU_in_the_epilogue_is_refused_for_integers()
    {
        var e = Assert.Throws<NotSupportedException>(() => new GemmEpilogue<long>(null, relu: true));
        Assert.Contains("ReLU", e.Message);
    }
}
