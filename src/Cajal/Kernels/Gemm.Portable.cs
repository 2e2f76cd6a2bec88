using System.Numerics;
using System.Numerics.Tensors;

namespace Cajal.Kernels;

internal static partial class Gemm
{
    private const int PortableKBlock = 256;
    private const int PortableNBlock = 2048;

    /// <summary>Rows of C up to this long are updated by a plain loop instead of a MultiplyAdd call per step of k.</summary>
    private const int ShortRow = 16;

    /// <summary>
    /// The simple reference GEMM: a blocked loop of TensorPrimitives.MultiplyAdd along rows of C (vectorised over n),
    /// split over rows of C on large problems. Used for long, for CPUs without AVX2/FMA and for tiny products.
    /// </summary>
    internal static void Portable<T>(
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

        int threads = Math.Min(ThreadsFor(m, n, k), m);
        if (threads <= 1)
        {
            PortableRows(0, m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, c, cOffset, ldc);
            return;
        }
        WorkerPool.RunChunks(m, threads, (start, end) =>
            PortableRows(start, end, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, c, cOffset, ldc));
    }

    private static void PortableRows<T>(
        int rowStart, int rowEnd, int n, int k,
        T[] a, int aOffset, int aRowStride, int aColStride,
        T[] b, int bOffset, int bRowStride,
        T[] c, int cOffset, int ldc)
        where T : unmanaged, INumber<T>
    {
        for (int jc = 0; jc < n; jc += PortableNBlock)
        {
            int nb = Math.Min(PortableNBlock, n - jc);
            for (int pc = 0; pc < k; pc += PortableKBlock)
            {
                int kb = Math.Min(PortableKBlock, k - pc);
                for (int i = rowStart; i < rowEnd; i++)
                {
                    int aBase = aOffset + i * aRowStride;
                    if (nb <= ShortRow)
                    {
                        // A row of a tiny product (the article's 4-wide layers): the same unfused a·b + c per element
                        // as MultiplyAdd, without a call and two spans for every four elements.
                        int cBase = cOffset + i * ldc + jc;
                        for (int p = pc; p < pc + kb; p++)
                        {
                            T aip = a[aBase + p * aColStride];
                            int bBase = bOffset + p * bRowStride + jc;
                            for (int j = 0; j < nb; j++) c[cBase + j] = b[bBase + j] * aip + c[cBase + j];
                        }
                        continue;
                    }
                    var cRow = c.AsSpan(cOffset + i * ldc + jc, nb);
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
