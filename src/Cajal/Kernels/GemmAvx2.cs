using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cajal.Kernels;

/// <summary>The AVX2/FMA micro-kernel of <see cref="Gemm"/>: a 6 × 2·W tile of C held in 12 ymm registers.</summary>
/// <remarks>
/// W = Vector256&lt;T&gt;.Count (8 floats, 4 doubles), so the tile is 6×16 for float and 6×8 for double:
/// 12 accumulators + 2 B vectors + 1 broadcast fit the 16 ymm registers of AVX2 machines.
/// </remarks>
internal static unsafe class GemmAvx2
{
    /// <summary>Rows of the register tile (MR).</summary>
    public const int Rows = 6;

    /// <summary>True when the AVX2/FMA kernel can run here.</summary>
    public static bool IsSupported => Fma.IsSupported && Avx2.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>Columns of the register tile (NR) for element type T.</summary>
    public static int Columns<T>() => 2 * Vector256<T>.Count;

    /// <summary>
    /// C[0..6, 0..NR) (+)= Σ_p A[p, 0..6) ⊗ B[p, 0..NR) over the packed micro-panels a (kc × 6) and b (kc × NR);
    /// C rows are ldc elements apart. overwrite: C = the sum; otherwise C += the sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // fully optimised from the first call: no slow tier-0 warm-up
    [SkipLocalsInit]
    public static void Kernel<T>(T* a, T* b, int kc, T* c, nint ldc, bool overwrite) where T : unmanaged
    {
        Vector256<T> c0a = default, c0b = default;
        Vector256<T> c1a = default, c1b = default;
        Vector256<T> c2a = default, c2b = default;
        Vector256<T> c3a = default, c3b = default;
        Vector256<T> c4a = default, c4b = default;
        Vector256<T> c5a = default, c5b = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + Vector256<T>.Count);
            var a0 = Vector256.Create(a[0]); c0a = MulAdd(a0, b0, c0a); c0b = MulAdd(a0, b1, c0b);
            var a1 = Vector256.Create(a[1]); c1a = MulAdd(a1, b0, c1a); c1b = MulAdd(a1, b1, c1b);
            var a2 = Vector256.Create(a[2]); c2a = MulAdd(a2, b0, c2a); c2b = MulAdd(a2, b1, c2b);
            var a3 = Vector256.Create(a[3]); c3a = MulAdd(a3, b0, c3a); c3b = MulAdd(a3, b1, c3b);
            var a4 = Vector256.Create(a[4]); c4a = MulAdd(a4, b0, c4a); c4b = MulAdd(a4, b1, c4b);
            var a5 = Vector256.Create(a[5]); c5a = MulAdd(a5, b0, c5a); c5b = MulAdd(a5, b1, c5b);
            a += 6;
            b += 2 * Vector256<T>.Count;
        }
        Store(c + 0 * ldc, c0a, c0b, overwrite);
        Store(c + 1 * ldc, c1a, c1b, overwrite);
        Store(c + 2 * ldc, c2a, c2b, overwrite);
        Store(c + 3 * ldc, c3a, c3b, overwrite);
        Store(c + 4 * ldc, c4a, c4b, overwrite);
        Store(c + 5 * ldc, c5a, c5b, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> MulAdd<T>(Vector256<T> x, Vector256<T> y, Vector256<T> acc) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        return System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(T* c, Vector256<T> lo, Vector256<T> hi, bool overwrite) where T : unmanaged
    {
        if (!overwrite)
        {
            lo += Vector256.Load(c);
            hi += Vector256.Load(c + Vector256<T>.Count);
        }
        lo.Store(c);
        hi.Store(c + Vector256<T>.Count);
    }
}
