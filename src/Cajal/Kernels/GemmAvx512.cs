using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cajal.Kernels;

/// <summary>The AVX-512 micro-kernel of <see cref="Gemm"/>: a 12 × 2·W tile of C held in 24 zmm registers.</summary>
/// <remarks>
/// W = Vector512&lt;T&gt;.Count (16 floats, 8 doubles), so the tile is 12×32 for float and 12×16 for double.
/// Each step p broadcasts the 12 values of the packed A micro-panel and FMAs them with the two vectors of the
/// packed B micro-panel: 24 independent FMA chains, more than the 8 that a 4-cycle FMA latency at two zmm FMAs
/// per cycle needs, with 24 + 2 + 1 of the 32 vector registers in use (the JIT emits no spills).
/// <see cref="KernelRowsA{T}"/> is the same kernel reading A's 12 rows in place instead of a packed micro-panel.
/// Both prefetch B a few steps ahead (<see cref="PrefetchB{T}"/>).
/// </remarks>
internal static unsafe class GemmAvx512
{
    /// <summary>Rows of the register tile (MR).</summary>
    public const int Rows = 12;

    /// <summary>True when the AVX-512 kernel can run here.</summary>
    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Columns of the register tile (NR) for element type T.</summary>
    public static int Columns<T>() => 2 * Vector512<T>.Count;

    /// <summary>
    /// C[0..12, 0..NR) (+)= Σ_p A[p, 0..12) ⊗ B[p, 0..NR) over the packed micro-panels a (kc × 12) and b (kc × NR);
    /// C rows are ldc elements apart. overwrite: C = the sum; otherwise C += the sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // fully optimised from the first call: no slow tier-0 warm-up
    [SkipLocalsInit]
    public static void Kernel<T>(T* a, T* b, int kc, T* c, nint ldc, bool overwrite) where T : unmanaged
    {
        Vector512<T> c0a = default, c0b = default;
        Vector512<T> c1a = default, c1b = default;
        Vector512<T> c2a = default, c2b = default;
        Vector512<T> c3a = default, c3b = default;
        Vector512<T> c4a = default, c4b = default;
        Vector512<T> c5a = default, c5b = default;
        Vector512<T> c6a = default, c6b = default;
        Vector512<T> c7a = default, c7b = default;
        Vector512<T> c8a = default, c8b = default;
        Vector512<T> c9a = default, c9b = default;
        Vector512<T> c10a = default, c10b = default;
        Vector512<T> c11a = default, c11b = default;
        for (int p = 0; p < kc; p++)
        {
            PrefetchB(b);
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + Vector512<T>.Count);
            var a0 = Vector512.Create(a[0]); c0a = MulAdd(a0, b0, c0a); c0b = MulAdd(a0, b1, c0b);
            var a1 = Vector512.Create(a[1]); c1a = MulAdd(a1, b0, c1a); c1b = MulAdd(a1, b1, c1b);
            var a2 = Vector512.Create(a[2]); c2a = MulAdd(a2, b0, c2a); c2b = MulAdd(a2, b1, c2b);
            var a3 = Vector512.Create(a[3]); c3a = MulAdd(a3, b0, c3a); c3b = MulAdd(a3, b1, c3b);
            var a4 = Vector512.Create(a[4]); c4a = MulAdd(a4, b0, c4a); c4b = MulAdd(a4, b1, c4b);
            var a5 = Vector512.Create(a[5]); c5a = MulAdd(a5, b0, c5a); c5b = MulAdd(a5, b1, c5b);
            var a6 = Vector512.Create(a[6]); c6a = MulAdd(a6, b0, c6a); c6b = MulAdd(a6, b1, c6b);
            var a7 = Vector512.Create(a[7]); c7a = MulAdd(a7, b0, c7a); c7b = MulAdd(a7, b1, c7b);
            var a8 = Vector512.Create(a[8]); c8a = MulAdd(a8, b0, c8a); c8b = MulAdd(a8, b1, c8b);
            var a9 = Vector512.Create(a[9]); c9a = MulAdd(a9, b0, c9a); c9b = MulAdd(a9, b1, c9b);
            var a10 = Vector512.Create(a[10]); c10a = MulAdd(a10, b0, c10a); c10b = MulAdd(a10, b1, c10b);
            var a11 = Vector512.Create(a[11]); c11a = MulAdd(a11, b0, c11a); c11b = MulAdd(a11, b1, c11b);
            a += 12;
            b += 2 * Vector512<T>.Count;
        }
        Store(c + 0 * ldc, c0a, c0b, overwrite);
        Store(c + 1 * ldc, c1a, c1b, overwrite);
        Store(c + 2 * ldc, c2a, c2b, overwrite);
        Store(c + 3 * ldc, c3a, c3b, overwrite);
        Store(c + 4 * ldc, c4a, c4b, overwrite);
        Store(c + 5 * ldc, c5a, c5b, overwrite);
        Store(c + 6 * ldc, c6a, c6b, overwrite);
        Store(c + 7 * ldc, c7a, c7b, overwrite);
        Store(c + 8 * ldc, c8a, c8b, overwrite);
        Store(c + 9 * ldc, c9a, c9b, overwrite);
        Store(c + 10 * ldc, c10a, c10b, overwrite);
        Store(c + 11 * ldc, c11a, c11b, overwrite);
    }

    /// <summary>
    /// <see cref="Kernel{T}"/> reading A in place: row r of the 12 at a + r·lda, contiguous along the depth (a row-major
    /// A, as a Linear layer's input), so A needs no packing. The same FMAs in the same order: the same bits.
    /// With <paramref name="columnBias"/> (NR values for this tile's columns) or <paramref name="relu"/>, the finished
    /// sums get the epilogue on the registers before the store: + bias, then ReLU's rule (<see cref="GemmEpilogue{T}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    public static void KernelRowsA<T>(T* a, nint lda, T* b, int kc, T* c, nint ldc, bool overwrite,
        T* columnBias = null, bool relu = false) where T : unmanaged
    {
        Vector512<T> c0a = default, c0b = default;
        Vector512<T> c1a = default, c1b = default;
        Vector512<T> c2a = default, c2b = default;
        Vector512<T> c3a = default, c3b = default;
        Vector512<T> c4a = default, c4b = default;
        Vector512<T> c5a = default, c5b = default;
        Vector512<T> c6a = default, c6b = default;
        Vector512<T> c7a = default, c7b = default;
        Vector512<T> c8a = default, c8b = default;
        Vector512<T> c9a = default, c9b = default;
        Vector512<T> c10a = default, c10b = default;
        Vector512<T> c11a = default, c11b = default;
        // Four row pointers, each with the next two rows at +lda and +2·lda: twelve addresses from six registers.
        T* r0 = a, r3 = a + 3 * lda, r6 = a + 6 * lda, r9 = a + 9 * lda;
        nint lda2 = 2 * lda;
        for (int p = 0; p < kc; p++)
        {
            PrefetchB(b);
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + Vector512<T>.Count);
            var a0 = Vector512.Create(r0[0]); c0a = MulAdd(a0, b0, c0a); c0b = MulAdd(a0, b1, c0b);
            var a1 = Vector512.Create(r0[lda]); c1a = MulAdd(a1, b0, c1a); c1b = MulAdd(a1, b1, c1b);
            var a2 = Vector512.Create(r0[lda2]); c2a = MulAdd(a2, b0, c2a); c2b = MulAdd(a2, b1, c2b);
            var a3 = Vector512.Create(r3[0]); c3a = MulAdd(a3, b0, c3a); c3b = MulAdd(a3, b1, c3b);
            var a4 = Vector512.Create(r3[lda]); c4a = MulAdd(a4, b0, c4a); c4b = MulAdd(a4, b1, c4b);
            var a5 = Vector512.Create(r3[lda2]); c5a = MulAdd(a5, b0, c5a); c5b = MulAdd(a5, b1, c5b);
            var a6 = Vector512.Create(r6[0]); c6a = MulAdd(a6, b0, c6a); c6b = MulAdd(a6, b1, c6b);
            var a7 = Vector512.Create(r6[lda]); c7a = MulAdd(a7, b0, c7a); c7b = MulAdd(a7, b1, c7b);
            var a8 = Vector512.Create(r6[lda2]); c8a = MulAdd(a8, b0, c8a); c8b = MulAdd(a8, b1, c8b);
            var a9 = Vector512.Create(r9[0]); c9a = MulAdd(a9, b0, c9a); c9b = MulAdd(a9, b1, c9b);
            var a10 = Vector512.Create(r9[lda]); c10a = MulAdd(a10, b0, c10a); c10b = MulAdd(a10, b1, c10b);
            var a11 = Vector512.Create(r9[lda2]); c11a = MulAdd(a11, b0, c11a); c11b = MulAdd(a11, b1, c11b);
            r0++; r3++; r6++; r9++;
            b += 2 * Vector512<T>.Count;
        }
        // With a column bias or ReLU, the epilogue on the registers (GemmEpilogue's rule: the finished sum plus the
        // column's bias, then ReLU); without, a plain store.
        bool hasBias = columnBias is not null;
        var biasLo = hasBias ? Vector512.Load(columnBias) : default;
        var biasHi = hasBias ? Vector512.Load(columnBias + Vector512<T>.Count) : default;
        StoreFinished(c + 0 * ldc, c0a, c0b, overwrite, biasLo, biasHi, hasBias, relu);
        StoreFinished(c + 1 * ldc, c1a, c1b, overwrite, biasLo, biasHi, hasBias, relu);
        StoreFinished(c + 2 * ldc, c2a, c2b, overwrite, biasLo, biasHi, hasBias, relu);
        StoreFinished(c + 3 * ldc, c3a, c3b, overwrite, biasLo, biasHi, hasBias, relu);
        StoreFinished(c + 4 * ldc, c4a, c4b, overwrite, biasLo, biasHi, hasBias, relu);
        StoreFinished(c + 5 * ldc, c5a, c5b, overwrite, biasLo, biasHi, hasBias, relu);
        StoreFinished(c + 6 * ldc, c6a, c6b, overwrite, biasLo, biasHi, hasBias, relu);
        StoreFinished(c + 7 * ldc, c7a, c7b, overwrite, biasLo, biasHi, hasBias, relu);
        StoreFinished(c + 8 * ldc, c8a, c8b, overwrite, biasLo, biasHi, hasBias, relu);
        StoreFinished(c + 9 * ldc, c9a, c9b, overwrite, biasLo, biasHi, hasBias, relu);
        StoreFinished(c + 10 * ldc, c10a, c10b, overwrite, biasLo, biasHi, hasBias, relu);
        StoreFinished(c + 11 * ldc, c11a, c11b, overwrite, biasLo, biasHi, hasBias, relu);
    }

    /// <summary>How far ahead of its reads the micro-kernels prefetch the B micro-panel: 8 steps (1 KB), about 100 cycles.</summary>
    /// <remarks>A constant, not a static field: read from a static field in the inner loop, the distance ran shared-B
    /// products 3× slower on 2 threads (and column bands at full speed), most likely because the field shared a cache line
    /// with statics that the other core writes while it takes tasks; not confirmed (no PMU on these machines).</remarks>
    private const int PrefetchBytes = 1024;

    /// <summary>
    /// Asks for the two lines of B that the step 8 steps ahead reads. Since stop 12 a B micro-panel is up to 100 KB deep
    /// (<see cref="Gemm.DepthBlock{T}"/>) and streams from L2. Stop 12, in process, alternating with no prefetch, median
    /// per-pair ratio over 11 rounds: 1 thread 512³ 1.045, 1024³ 1.016–1.047, 2048³ 1.020–1.073, 1000×256×784 1.018–1.052;
    /// 2 threads 1024³ 1.028, 2048³ 1.033, 1000×256×784 1.036, 1000×128×256 1.064, MLP inference 1.033; k = 64 (the MLP's
    /// weight gradient, a 8 KB panel) 0.97–1.00.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchB<T>(T* b) where T : unmanaged
    {
        Sse.Prefetch0((byte*)b + PrefetchBytes);
        Sse.Prefetch0((byte*)b + PrefetchBytes + 64);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> MulAdd<T>(Vector512<T> x, Vector512<T> y, Vector512<T> acc) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Avx512F.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        return Avx512F.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
    }

    /// <summary><see cref="Store{T}"/> followed by the epilogue on the registers: + the column bias, then ReLU's rule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFinished<T>(T* c, Vector512<T> lo, Vector512<T> hi, bool overwrite, Vector512<T> biasLo, Vector512<T> biasHi,
        bool hasBias, bool relu) where T : unmanaged
    {
        if (!overwrite)
        {
            lo += Vector512.Load(c);
            hi += Vector512.Load(c + Vector512<T>.Count);
        }
        if (hasBias)
        {
            lo += biasLo;
            hi += biasHi;
        }
        if (relu)
        {
            lo = Activations.ReluLanes(lo);
            hi = Activations.ReluLanes(hi);
        }
        lo.Store(c);
        hi.Store(c + Vector512<T>.Count);
    }

    /// <summary>C (+)= the sums, no epilogue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(T* c, Vector512<T> lo, Vector512<T> hi, bool overwrite) where T : unmanaged =>
        StoreFinished(c, lo, hi, overwrite, default, default, hasBias: false, relu: false);
}
