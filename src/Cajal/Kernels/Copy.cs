using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cajal.Kernels;

/// <summary>Strided copies and conversions.</summary>
internal static class Copy
{
    /// <summary>
    /// dst[..n] = src[..n] for the short runs of the convolution and GEMM packing loops (a row of an image, a panel row):
    /// whole vectors, the last one overlapping the one before, instead of a call to the general memmove, whose set-up
    /// cost is most of the work at these lengths. Source and destination must not overlap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Short<T>(ReadOnlySpan<T> src, Span<T> dst) where T : unmanaged
    {
        int n = src.Length;
        if ((uint)n > (uint)dst.Length) throw new ArgumentException("Copy.Short: the destination is shorter than the source.");
        ref T s = ref MemoryMarshal.GetReference(src);
        ref T d = ref MemoryMarshal.GetReference(dst);
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n >= Vector256<T>.Count)
        {
            int width = Vector256<T>.Count, i = 0;
            if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported && n >= Vector512<T>.Count)
            {
                width = Vector512<T>.Count;
                for (; i <= n - width; i += width) Vector512.LoadUnsafe(ref s, (nuint)i).StoreUnsafe(ref d, (nuint)i);
                if (i < n) Vector512.LoadUnsafe(ref s, (nuint)(n - width)).StoreUnsafe(ref d, (nuint)(n - width));
                return;
            }
            for (; i <= n - width; i += width) Vector256.LoadUnsafe(ref s, (nuint)i).StoreUnsafe(ref d, (nuint)i);
            if (i < n) Vector256.LoadUnsafe(ref s, (nuint)(n - width)).StoreUnsafe(ref d, (nuint)(n - width));
            return;
        }
        for (int i = 0; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i);
    }

    /// <summary>
    /// dst[i] = src[i] + value for i &lt; n, as <see cref="Short{T}"/>: the convolution's rows with their bias. The last
    /// vector, read before anything is stored, overlaps the one before and writes the same sums again. Source and
    /// destination must not overlap, except as the same span. <c>TensorPrimitives.Add</c> gives the same bits, but its set-up per call was 5% of a LeNet
    /// training profile at rows of 10 and 28 floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ShortAdd<T>(ReadOnlySpan<T> src, T value, Span<T> dst) where T : unmanaged, INumber<T>
    {
        int n = src.Length;
        if ((uint)n > (uint)dst.Length) throw new ArgumentException("Copy.ShortAdd: the destination is shorter than the source.");
        ref T s = ref MemoryMarshal.GetReference(src);
        ref T d = ref MemoryMarshal.GetReference(dst);
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported && n >= Vector512<T>.Count)
        {
            int width = Vector512<T>.Count, i = 0;
            var v = Vector512.Create(value);
            var last = Vector512.LoadUnsafe(ref s, (nuint)(n - width)) + v;   // read before any store: src may be dst
            for (; i <= n - width; i += width) (Vector512.LoadUnsafe(ref s, (nuint)i) + v).StoreUnsafe(ref d, (nuint)i);
            last.StoreUnsafe(ref d, (nuint)(n - width));
            return;
        }
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n >= Vector256<T>.Count)
        {
            int width = Vector256<T>.Count, i = 0;
            var v = Vector256.Create(value);
            var last = Vector256.LoadUnsafe(ref s, (nuint)(n - width)) + v;   // read before any store: src may be dst
            for (; i <= n - width; i += width) (Vector256.LoadUnsafe(ref s, (nuint)i) + v).StoreUnsafe(ref d, (nuint)i);
            last.StoreUnsafe(ref d, (nuint)(n - width));
            return;
        }
        for (int i = 0; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i) + value;
    }

    /// <summary>dst[view] = src[view] for two views of the same shape (dims).</summary>
    public static void Strided<T>(T[] src, int srcOffset, int[] srcStrides, T[] dst, int dstOffset, int[] dstStrides, int[] dims)
    {
        if (dims.Length == 2 && dims[0] > 1 && dims[1] > 1 && srcStrides[0] == 1 && dstStrides[1] == 1
            && !ReferenceEquals(src, dst))
        {
            // A transposed matrix made contiguous (a weight gradient, xᵀ): blocked, instead of one element per step.
            TransposeCopy(src, srcOffset, srcStrides[1], dst, dstOffset, dstStrides[0], dims[0], dims[1]);
            return;
        }
        var walker = new RowWalker(dims, [srcStrides, dstStrides], [srcOffset, dstOffset]);
        int n = walker.RowLength, ss = walker.InnerStrides[0], ds = walker.InnerStrides[1];
        for (int r = 0; r < walker.Rows; r++)
        {
            int so = walker.Offsets[0], o = walker.Offsets[1];
            if (ss == 1 && ds == 1)
                src.AsSpan(so, n).CopyTo(dst.AsSpan(o, n));
            else if (ss == 0)
                for (int i = 0; i < n; i++) dst[o + i * ds] = src[so];
            else
                for (int i = 0; i < n; i++) dst[o + i * ds] = src[so + i * ss];
            walker.Next();
        }
    }

    private static void TransposeCopy<T>(T[] src, int srcOffset, int srcColumnStride, T[] dst, int dstOffset, int dstRowStride, int rows, int cols)
    {
        switch (src)
        {
            case float[] f: Transpose.Copy(f, srcOffset, srcColumnStride, (float[])(object)dst, dstOffset, dstRowStride, rows, cols); break;
            case double[] d: Transpose.Copy(d, srcOffset, srcColumnStride, (double[])(object)dst, dstOffset, dstRowStride, rows, cols); break;
            case long[] l: Transpose.Copy(l, srcOffset, srcColumnStride, (long[])(object)dst, dstOffset, dstRowStride, rows, cols); break;
            default:
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++)
                        dst[dstOffset + i * dstRowStride + j] = src[srcOffset + i + j * srcColumnStride];
                break;
        }
    }

    /// <summary>Converts a contiguous span element-wise from one numeric type to another.</summary>
    public static void Convert<TFrom, TTo>(ReadOnlySpan<TFrom> src, Span<TTo> dst)
        where TFrom : System.Numerics.INumberBase<TFrom>
        where TTo : System.Numerics.INumberBase<TTo>
    {
        for (int i = 0; i < src.Length; i++) dst[i] = TTo.CreateTruncating(src[i]);
    }
}
