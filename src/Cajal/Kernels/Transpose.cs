using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cajal.Kernels;

/// <summary>Matrix transposition: the 8×8 register tile that GEMM packing and transposing copies share.</summary>
internal static class Transpose
{
    /// <summary>
    /// dst[q·dstStride + r] = src[r·srcStride + q] for r, q &lt; 8: one 8×8 float tile transposed in AVX registers
    /// (unpack pairs, then quads, then 128-bit halves).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Tile8x8(float* src, nint srcStride, float* dst, nint dstStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + srcStride);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * srcStride), r3 = Avx.LoadVector256(src + 3 * srcStride);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * srcStride), r5 = Avx.LoadVector256(src + 5 * srcStride);
        Vector256<float> r6 = Avx.LoadVector256(src + 6 * srcStride), r7 = Avx.LoadVector256(src + 7 * srcStride);
        // Pairs: t0 = (r0[0], r1[0], r0[1], r1[1] | r0[4], r1[4], r0[5], r1[5]), …
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        // Quads: u0 = (r0[0], r1[0], r2[0], r3[0] | r0[4], r1[4], r2[4], r3[4]), …
        var u0 = Avx.Shuffle(t0, t2, 0b01_00_01_00); var u1 = Avx.Shuffle(t0, t2, 0b11_10_11_10);
        var u2 = Avx.Shuffle(t1, t3, 0b01_00_01_00); var u3 = Avx.Shuffle(t1, t3, 0b11_10_11_10);
        var u4 = Avx.Shuffle(t4, t6, 0b01_00_01_00); var u5 = Avx.Shuffle(t4, t6, 0b11_10_11_10);
        var u6 = Avx.Shuffle(t5, t7, 0b01_00_01_00); var u7 = Avx.Shuffle(t5, t7, 0b11_10_11_10);
        // Halves: column q of the tile = lower (q < 4) or upper (q ≥ 4) 128 bits of u and its partner.
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>
    /// dst[i·dstRowStride + j] = src[i + j·srcColumnStride] for i &lt; rows, j &lt; cols: a column-major matrix copied
    /// into a row-major one (e.g. a transposed view made contiguous). Float goes through 8×8 register tiles when AVX is
    /// available; every type is copied in 16×16 blocks so that both sides stay in cache. Source and destination must
    /// not overlap.
    /// </summary>
    public static unsafe void Copy<T>(T[] src, int srcOffset, int srcColumnStride, T[] dst, int dstOffset, int dstRowStride, int rows, int cols)
        where T : unmanaged
    {
        const int Block = 16;
        fixed (T* ps = src, pd = dst)
        {
            T* s0 = ps + srcOffset, d0 = pd + dstOffset;
            for (int i0 = 0; i0 < rows; i0 += Block)
            {
                int i1 = Math.Min(rows, i0 + Block);
                for (int j0 = 0; j0 < cols; j0 += Block)
                {
                    int j1 = Math.Min(cols, j0 + Block);
                    if (typeof(T) == typeof(float) && Avx.IsSupported && i1 - i0 == Block && j1 - j0 == Block)
                    {
                        for (int i = i0; i < i1; i += 8)
                            for (int j = j0; j < j1; j += 8)
                                Tile8x8((float*)s0 + i + (nint)j * srcColumnStride, srcColumnStride, (float*)d0 + (nint)i * dstRowStride + j, dstRowStride);
                        continue;
                    }
                    for (int i = i0; i < i1; i++)
                        for (int j = j0; j < j1; j++)
                            d0[(nint)i * dstRowStride + j] = s0[i + (nint)j * srcColumnStride];
                }
            }
        }
    }
}
