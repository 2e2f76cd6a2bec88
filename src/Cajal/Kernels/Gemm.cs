using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cajal.Kernels;

/// <summary>Which GEMM implementation runs: the packed AVX-512 or AVX2 kernels, or the portable loop.</summary>
internal enum GemmPath
{
    /// <summary>Pick the fastest the CPU supports (the default).</summary>
    Auto,
    /// <summary>Packed panels with the 12 × 2·W AVX-512 micro-kernel.</summary>
    Avx512,
    /// <summary>Packed panels with the 6 × 2·W AVX2/FMA micro-kernel.</summary>
    Avx2,
    /// <summary>The simple blocked loop over TensorPrimitives.MultiplyAdd (also the only path for long).</summary>
    Portable,
}

/// <summary>General matrix multiply: the single kernel behind MatMul, Linear and convolution.</summary>
/// <remarks>
/// <para>float and double run the packed algorithm of Goto/BLIS (see Gemm.Packed.cs): B is packed into
/// kc × NR column panels and A into MR × kc row panels, read through their (row stride, column stride) so a
/// transposed operand costs nothing extra, and a register-blocked FMA micro-kernel (AVX-512 12×32 float /
/// 12×16 double, or AVX2 6×16 / 6×8) computes each MR × NR tile of C. Long, CPUs without AVX2/FMA and tiny
/// problems use the portable loop (Gemm.Portable.cs).</para>
/// <para>Results do not depend on the thread count: the depth k is never split between threads, and every
/// element of C is C (or 0) + Σ over kc blocks in order of a register sum over p in order, whichever thread
/// or tile computes it.</para>
/// </remarks>
internal static partial class Gemm
{
    /// <summary>Below this many multiply-adds the packing overhead outweighs the micro-kernel.</summary>
    private const long TinyWork = 4096;

    /// <summary>From this many multiply-adds (about 20 µs on one core) the product is split over threads.</summary>
    private const long ParallelWork = 1L << 20;

    [ThreadStatic] private static GemmPath t_forcedPath;
    private static ThreadSettingCount s_forcing;

    /// <summary>Forces a path on the calling thread (tests run every kernel on one machine); Auto restores the choice.</summary>
    internal static GemmPath ForcedPath
    {
        get => s_forcing.AnySet ? t_forcedPath : GemmPath.Auto;
        set
        {
            s_forcing.Changed(t_forcedPath != GemmPath.Auto, value != GemmPath.Auto);
            t_forcedPath = value;
        }
    }

    /// <summary>
    /// C[i, j] (+)= Σ_p A[i, p]·B[p, j] for i &lt; m, j &lt; n, p &lt; k, where
    /// A[i, p] = a[aOffset + i·aRowStride + p·aColStride], B[p, j] = b[bOffset + p·bRowStride + j·bColStride],
    /// C[i, j] = c[cOffset + i·ldc + j]. accumulate: C += A·B; otherwise C = A·B. Then the epilogue, if any (bias, ReLU),
    /// on every element of C.
    /// </summary>
    public static void Multiply<T>(
        int m, int n, int k,
        T[] a, int aOffset, int aRowStride, int aColStride,
        T[] b, int bOffset, int bRowStride, int bColStride,
        T[] c, int cOffset, int ldc, bool accumulate, GemmEpilogue<T> epilogue = default)
        where T : unmanaged, INumber<T>
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.AsSpan(cOffset + i * ldc, n).Clear();
            ApplyToAll(epilogue, c, cOffset, ldc, m, n);
            return;
        }
        switch (ChoosePath<T>(m, n, k))
        {
            case GemmPath.Avx512:
                Packed(GemmPath.Avx512, m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride, c, cOffset, ldc, accumulate, epilogue);
                break;
            case GemmPath.Avx2:
                Packed(GemmPath.Avx2, m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride, c, cOffset, ldc, accumulate, epilogue);
                break;
            default:
                Portable(m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride, c, cOffset, ldc, accumulate);
                ApplyToAll(epilogue, c, cOffset, ldc, m, n);
                break;
        }
    }

    /// <summary>The epilogue over the whole of C, as a pass of its own (the portable path and k = 0).</summary>
    private static unsafe void ApplyToAll<T>(GemmEpilogue<T> epilogue, T[] c, int cOffset, int ldc, int m, int n)
        where T : unmanaged, INumber<T>
    {
        if (epilogue.IsEmpty) return;
        fixed (T* pc = c)
            epilogue.Apply(pc + cOffset, ldc, 0, 0, m, n);
    }

    /// <summary>The path Multiply takes for T and this size on this CPU (honouring <see cref="ForcedPath"/>).</summary>
    internal static GemmPath ChoosePath<T>(int m, int n, int k)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) return GemmPath.Portable;
        var forced = ForcedPath;
        if (forced != GemmPath.Auto)
        {
            if ((forced == GemmPath.Avx512 && !GemmAvx512.IsSupported) || (forced == GemmPath.Avx2 && !GemmAvx2.IsSupported))
                throw new PlatformNotSupportedException($"GEMM path {forced} is not supported on this CPU.");
            return forced;
        }
        if ((long)m * n * k < TinyWork) return GemmPath.Portable;
        if (GemmAvx512.IsSupported) return GemmPath.Avx512;
        if (GemmAvx2.IsSupported) return GemmPath.Avx2;
        return GemmPath.Portable;
    }

    /// <summary>Threads to use for m·n·k multiply-adds: 1 below <see cref="ParallelWork"/>, else <see cref="Parallelism.Available"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ThreadsFor(int m, int n, int k) =>
        (long)m * n * k < ParallelWork ? 1 : Parallelism.Available;
}
