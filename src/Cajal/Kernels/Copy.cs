namespace Cajal.Kernels;

/// <summary>Strided copies and conversions.</summary>
internal static class Copy
{
    /// <summary>dst[view] = src[view] for two views of the same shape (dims).</summary>
    public static void Strided<T>(T[] src, int srcOffset, int[] srcStrides, T[] dst, int dstOffset, int[] dstStrides, int[] dims)
    {
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

    /// <summary>Converts a contiguous span element-wise from one numeric type to another.</summary>
    public static void Convert<TFrom, TTo>(ReadOnlySpan<TFrom> src, Span<TTo> dst)
        where TFrom : System.Numerics.INumberBase<TFrom>
        where TTo : System.Numerics.INumberBase<TTo>
    {
        for (int i = 0; i < src.Length; i++) dst[i] = TTo.CreateTruncating(src[i]);
    }
}
