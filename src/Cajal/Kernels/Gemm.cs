using System.Numerics;
using System.Numerics.Tensors;

namespace Cajal.Kernels;

/// <summary>General matrix multiply: the single kernel behind MatMul (and later Linear and convolution).</summary>
/// <remarks>
/// Operands are addressed through (row stride, column stride), so transposed views need no copy of A;
/// B is packed into row-major panels when its rows are not contiguous. The loop is blocked over k and n
/// so a panel of B stays in cache, vectorised along n, and split over rows of C on large problems.
/// Every element of C is computed by the same sequence of operations whatever the thread count.
/// </remarks>
internal static class Gemm
{
    private const int KBlock = 256;
    private const int NBlock = 2048;

    /// <summary>
    /// C[i, j] (+)= Σ_p A[i, p]·B[p, j] for i &lt; m, j &lt; n, p &lt; k, where
    /// A[i, p] = a[aOffset + i·aRowStride + p·aColStride], B[p, j] = b[bOffset + p·bRowStride + j·bColStride],
    /// C[i, j] = c[cOffset + i·ldc + j].
    /// </summary>
    public static void Multiply<T>(
        int m, int n, int k,
        T[] a, int aOffset, int aRowStride, int aColStride,
        T[] b, int bOffset, int bRowStride, int bColStride,
        T[] c, int cOffset, int ldc, bool accumulate)
        where T : unmanaged, INumber<T>
    {
        if (!accumulate)
            for (int i = 0; i < m; i++) c.AsSpan(cOffset + i * ldc, n).Clear();
        if (m == 0 || n == 0 || k == 0) return;

        // Pack B row-major when a row of B is not contiguous (e.g. B is a transposed view).
        if (bColStride != 1)
        {
            var packed = new T[k * n];
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++)
                    packed[p * n + j] = b[bOffset + p * bRowStride + j * bColStride];
            (b, bOffset, bRowStride) = (packed, 0, n);
        }

        long work = (long)m * n * k;
        int threads = Math.Min(Parallelism.MaxThreads, m);
        if (threads <= 1 || work < 1 << 18)
        {
            Rows(0, m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, c, cOffset, ldc);
            return;
        }
        int chunk = (m + threads - 1) / threads;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int start = t * chunk, end = Math.Min(m, start + chunk);
            if (start < end)
                Rows(start, end, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, c, cOffset, ldc);
        });
    }

    private static void Rows<T>(
        int rowStart, int rowEnd, int n, int k,
        T[] a, int aOffset, int aRowStride, int aColStride,
        T[] b, int bOffset, int bRowStride,
        T[] c, int cOffset, int ldc)
        where T : unmanaged, INumber<T>
    {
        for (int jc = 0; jc < n; jc += NBlock)
        {
            int nb = Math.Min(NBlock, n - jc);
            for (int pc = 0; pc < k; pc += KBlock)
            {
                int kb = Math.Min(KBlock, k - pc);
                for (int i = rowStart; i < rowEnd; i++)
                {
                    var cRow = c.AsSpan(cOffset + i * ldc + jc, nb);
                    int aBase = aOffset + i * aRowStride;
                    for (int p = pc; p < pc + kb; p++)
                    {
                        T aip = a[aBase + p * aColStride];
                        TensorPrimitives.MultiplyAdd(b.AsSpan(bOffset + p * bRowStride + jc, nb), aip, cRow, cRow);
                    }
                }
            }
        }
    }
}
