using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cajal.Kernels;

/// <summary>The fast path for the common 2×2, stride-2 pooling without padding or dilation.</summary>
/// <remarks>
/// Windows are disjoint and inside the image, so each one is read (forward) or written (backward) once with no window
/// arithmetic; outputs, indices and gradients equal the general kernels' (a zero gradient may keep its sign, where the
/// general kernels' 0 + g makes it +0); the tests compare them.
/// </remarks>
internal static partial class Pooling
{
    /// <summary>Whether <paramref name="g"/> is a 2×2, stride-2 pooling with no padding or dilation whose windows all lie inside the image.</summary>
    public static bool IsTwoByTwo(PoolGeometry g) =>
        g.KernelHeight == 2 && g.KernelWidth == 2 && g.StrideH == 2 && g.StrideW == 2 && g.PadTop == 0 && g.PadLeft == 0
        && g.DilationH == 1 && g.DilationW == 1 && 2 * g.OutHeight <= g.InHeight && 2 * g.OutWidth <= g.InWidth;

    /// <summary>
    /// <see cref="MaxForward{T}"/> for a 2×2, stride-2 window (<see cref="IsTwoByTwo"/>): the first maximum in the order
    /// (top-left, top-right, bottom-left, bottom-right), a NaN winning. x (planes, H, W) at <paramref name="xOffset"/>.
    /// </summary>
    /// <paramref name="indices"/> null: the maxima only (inference, where no backward needs them).
    public static void MaxForwardTwoByTwo<T>(T[] x, int xOffset, T[] values, long[]? indices, PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(IsTwoByTwo(g));
        int w = g.InWidth;
        Partition.For(g.Planes, (long)g.Planes * (g.InPlane + (indices is null ? 1 : 2) * g.OutPlane), (start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                var plane = x.AsSpan(xOffset + p * g.InPlane, g.InPlane);
                int o = p * g.OutPlane;
                for (int oh = 0; oh < g.OutHeight; oh++)
                {
                    int row = 2 * oh * w;
                    var top = plane.Slice(row, w);
                    var bottom = plane.Slice(row + w, w);
                    var v = values.AsSpan(o, g.OutWidth);
                    var ix = indices is null ? default : indices.AsSpan(o, g.OutWidth);
                    int done = typeof(T) == typeof(float)
                        ? MaxRowTwoByTwo(MemoryMarshal.Cast<T, float>(top), MemoryMarshal.Cast<T, float>(bottom), MemoryMarshal.Cast<T, float>(v), ix, row, w)
                        : 0;
                    for (int ow = done; ow < v.Length; ow++)
                    {
                        int at = 2 * ow;
                        // The general kernel's scan from −∞, unrolled: later elements win only if larger or NaN.
                        T max = top[at];
                        int best = row + at;
                        T b = top[at + 1], c = bottom[at], d = bottom[at + 1];
                        if (b > max || T.IsNaN(b)) { max = b; best = row + at + 1; }
                        if (c > max || T.IsNaN(c)) { max = c; best = row + w + at; }
                        if (d > max || T.IsNaN(d)) { max = d; best = row + w + at + 1; }
                        v[ow] = max;
                        if (!ix.IsEmpty) ix[ow] = best;
                    }
                    o += g.OutWidth;
                }
            }
        });
    }

    /// <summary>
    /// One output row of <see cref="MaxForwardTwoByTwo{T}"/> in float, eight windows at a time: the same comparisons as the
    /// scalar loop (a later element wins if larger or NaN), lane by lane; an empty <paramref name="indices"/> skips them. A row of at least eight windows ends with
    /// eight that overlap the previous ones (they are recomputed to the same values); rows of 4 to 7 windows go four at a
    /// time (<see cref="MaxRowTwoByTwoNarrow"/>). Returns the windows done; the caller finishes the rest (rows narrower
    /// than four windows) with the scalar loop.
    /// </summary>
    private static int MaxRowTwoByTwo(ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, Span<float> values, Span<long> indices, int row, int w)
    {
        if (!Vector256.IsHardwareAccelerated) return 0;
        // Deinterleaves 8 floats: the evens into the lower half, the odds into the upper half.
        var split = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        var lanes = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var one = Vector256.Create(1);
        var right = Vector256.Create(w);
        var diagonal = Vector256.Create(w + 1);
        int length = values.Length;
        if (length < 8) return MaxRowTwoByTwoNarrow(top, bottom, values, indices, row, w);
        for (int ow = 0; ow < length; ow += 8)
        {
            if (ow + 8 > length) ow = length - 8;   // the overlapping last group
            int at = 2 * ow;
            var t0 = Vector256.Shuffle(Vector256.Create(top.Slice(at, 8)), split);
            var t1 = Vector256.Shuffle(Vector256.Create(top.Slice(at + 8, 8)), split);
            var b0 = Vector256.Shuffle(Vector256.Create(bottom.Slice(at, 8)), split);
            var b1 = Vector256.Shuffle(Vector256.Create(bottom.Slice(at + 8, 8)), split);
            Vector256<float> a = Vector256.Create(t0.GetLower(), t1.GetLower()), b = Vector256.Create(t0.GetUpper(), t1.GetUpper());
            Vector256<float> c = Vector256.Create(b0.GetLower(), b1.GetLower()), d = Vector256.Create(b0.GetUpper(), b1.GetUpper());

            var max = a;
            var offset = Vector256<int>.Zero;
            var wins = Vector256.GreaterThan(b, max) | ~Vector256.Equals(b, b);   // larger, or NaN
            max = Vector256.ConditionalSelect(wins, b, max);
            offset = Vector256.ConditionalSelect(wins.AsInt32(), one, offset);
            wins = Vector256.GreaterThan(c, max) | ~Vector256.Equals(c, c);
            max = Vector256.ConditionalSelect(wins, c, max);
            offset = Vector256.ConditionalSelect(wins.AsInt32(), right, offset);
            wins = Vector256.GreaterThan(d, max) | ~Vector256.Equals(d, d);
            max = Vector256.ConditionalSelect(wins, d, max);
            offset = Vector256.ConditionalSelect(wins.AsInt32(), diagonal, offset);

            max.CopyTo(values.Slice(ow, 8));
            if (indices.IsEmpty) continue;
            var index = Vector256.Create(row + at) + lanes + offset;
            var (low, high) = Vector256.Widen(index);
            low.CopyTo(indices.Slice(ow, 4));
            high.CopyTo(indices.Slice(ow + 4, 4));
        }
        return length;
    }

    /// <summary>
    /// <see cref="MaxRowTwoByTwo"/> for rows of 4 to 7 windows (LeNet's second pooling has 5), four at a time in 128-bit
    /// vectors, the last four overlapping; 0 (the scalar loop) for fewer than 4.
    /// </summary>
    private static int MaxRowTwoByTwoNarrow(ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, Span<float> values, Span<long> indices, int row, int w)
    {
        int length = values.Length;
        if (length < 4 || !Vector128.IsHardwareAccelerated) return 0;
        var split = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        var lanes = Vector128.Create(0, 2, 4, 6);
        var one = Vector128.Create(1);
        var right = Vector128.Create(w);
        var diagonal = Vector128.Create(w + 1);
        for (int ow = 0; ow < length; ow += 4)
        {
            if (ow + 4 > length) ow = length - 4;   // the overlapping last group
            int at = 2 * ow;
            var t = Vector256.Shuffle(Vector256.Create(top.Slice(at, 8)), split);
            var u = Vector256.Shuffle(Vector256.Create(bottom.Slice(at, 8)), split);
            Vector128<float> a = t.GetLower(), b = t.GetUpper(), c = u.GetLower(), d = u.GetUpper();

            var max = a;
            var offset = Vector128<int>.Zero;
            var wins = Vector128.GreaterThan(b, max) | ~Vector128.Equals(b, b);   // larger, or NaN
            max = Vector128.ConditionalSelect(wins, b, max);
            offset = Vector128.ConditionalSelect(wins.AsInt32(), one, offset);
            wins = Vector128.GreaterThan(c, max) | ~Vector128.Equals(c, c);
            max = Vector128.ConditionalSelect(wins, c, max);
            offset = Vector128.ConditionalSelect(wins.AsInt32(), right, offset);
            wins = Vector128.GreaterThan(d, max) | ~Vector128.Equals(d, d);
            max = Vector128.ConditionalSelect(wins, d, max);
            offset = Vector128.ConditionalSelect(wins.AsInt32(), diagonal, offset);

            max.CopyTo(values.Slice(ow, 4));
            if (indices.IsEmpty) continue;
            var index = Vector128.Create(row + at) + lanes + offset;
            var (low, high) = Vector128.Widen(index);
            low.CopyTo(indices.Slice(ow, 2));
            high.CopyTo(indices.Slice(ow + 2, 2));
        }
        return length;
    }

    /// <summary>
    /// <see cref="MaxBackward{T}"/> for <see cref="IsTwoByTwo"/> geometry: each window's four cells are written once
    /// (dy at the winner, 0 elsewhere), and cells outside every window are zeroed; dx needs no clearing beforehand.
    /// </summary>
    public static void MaxBackwardTwoByTwo<T>(T[] dy, int dyOffset, long[] indices, T[] dx, PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(IsTwoByTwo(g));
        int w = g.InWidth;
        Partition.For(g.Planes, (long)g.Planes * (g.InPlane + 2L * g.OutPlane), (start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                var plane = dx.AsSpan(p * g.InPlane, g.InPlane);
                int o = p * g.OutPlane;
                for (int oh = 0; oh < g.OutHeight; oh++)
                {
                    int row = 2 * oh * w;
                    var top = plane.Slice(row, w);
                    var bottom = plane.Slice(row + w, w);
                    var grad = dy.AsSpan(dyOffset + o, g.OutWidth);
                    var ix = indices.AsSpan(o, g.OutWidth);
                    int done = typeof(T) == typeof(float)
                        ? MaxBackwardRowTwoByTwo(MemoryMarshal.Cast<T, float>(grad), ix, MemoryMarshal.Cast<T, float>(top), MemoryMarshal.Cast<T, float>(bottom), row, w)
                        : 0;
                    for (int ow = done; ow < grad.Length; ow++)
                    {
                        int at = 2 * ow;
                        top[at] = top[at + 1] = bottom[at] = bottom[at + 1] = T.Zero;
                        plane[(int)ix[ow]] = grad[ow];
                    }
                    top[(2 * g.OutWidth)..].Clear();      // an odd last column belongs to no window
                    bottom[(2 * g.OutWidth)..].Clear();
                    o += g.OutWidth;
                }
                plane[(2 * g.OutHeight * w)..].Clear();   // and so does an odd last row
            }
        });
    }

    /// <summary>
    /// One output row of <see cref="MaxBackwardTwoByTwo{T}"/> in float, eight windows at a time: each window's winner
    /// (its index minus the window's top-left corner is 0, 1, w or w + 1) gets dy and the other three cells +0, written as
    /// two interleaved 16-float rows. Like the forward, a row of at least eight windows ends with an overlapping group.
    /// Returns the windows done (0 for rows of fewer than eight windows or without AVX-512).
    /// </summary>
    private static int MaxBackwardRowTwoByTwo(ReadOnlySpan<float> grad, ReadOnlySpan<long> indices, Span<float> top, Span<float> bottom, int row, int w)
    {
        int length = grad.Length;
        if (!Avx512F.IsSupported || length < 8) return 0;
        var lanes = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var interleave = Vector512.Create(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
        Vector256<int> one = Vector256.Create(1), right = Vector256.Create(w), diagonal = Vector256.Create(w + 1);
        for (int ow = 0; ow < length; ow += 8)
        {
            if (ow + 8 > length) ow = length - 8;   // the overlapping last group
            var g = Vector256.Create(grad.Slice(ow, 8));
            var offset = Avx512F.ConvertToVector256Int32(Vector512.Create(indices.Slice(ow, 8))) - Vector256.Create(row + 2 * ow) - lanes;
            var topLeft = Vector256.ConditionalSelect(Vector256.Equals(offset, Vector256<int>.Zero).AsSingle(), g, Vector256<float>.Zero);
            var topRight = Vector256.ConditionalSelect(Vector256.Equals(offset, one).AsSingle(), g, Vector256<float>.Zero);
            var bottomLeft = Vector256.ConditionalSelect(Vector256.Equals(offset, right).AsSingle(), g, Vector256<float>.Zero);
            var bottomRight = Vector256.ConditionalSelect(Vector256.Equals(offset, diagonal).AsSingle(), g, Vector256<float>.Zero);
            Vector512.Shuffle(Vector512.Create(topLeft, topRight), interleave).CopyTo(top.Slice(2 * ow, 16));
            Vector512.Shuffle(Vector512.Create(bottomLeft, bottomRight), interleave).CopyTo(bottom.Slice(2 * ow, 16));
        }
        return length;
    }

    /// <summary>
    /// <see cref="AvgForward{T}"/> for <see cref="IsTwoByTwo"/> geometry: y = (a + b + c + d)/divisor, the divisor 4 or
    /// the non-zero <paramref name="divisorOverride"/>.
    /// </summary>
    public static void AvgForwardTwoByTwo<T>(T[] x, int xOffset, T[] y, PoolGeometry g, int divisorOverride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(IsTwoByTwo(g));
        int w = g.InWidth;
        T divisor = T.CreateChecked(divisorOverride != 0 ? divisorOverride : 4);
        Partition.For(g.Planes, (long)g.Planes * g.InPlane, (start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                var plane = x.AsSpan(xOffset + p * g.InPlane, g.InPlane);
                int o = p * g.OutPlane;
                for (int oh = 0; oh < g.OutHeight; oh++)
                {
                    var top = plane.Slice(2 * oh * w, w);
                    var bottom = plane.Slice(2 * oh * w + w, w);
                    var v = y.AsSpan(o, g.OutWidth);
                    for (int ow = 0; ow < v.Length; ow++)
                    {
                        int at = 2 * ow;
                        v[ow] = (T.Zero + top[at] + top[at + 1] + bottom[at] + bottom[at + 1]) / divisor;   // the general kernel's order
                    }
                    o += g.OutWidth;
                }
            }
        });
    }

    /// <summary>
    /// <see cref="AvgBackward{T}"/> for <see cref="IsTwoByTwo"/> geometry: each window's cells get dy/divisor, written
    /// once, and cells outside every window are zeroed; dx needs no clearing beforehand.
    /// </summary>
    public static void AvgBackwardTwoByTwo<T>(T[] dy, int dyOffset, T[] dx, PoolGeometry g, int divisorOverride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(IsTwoByTwo(g));
        int w = g.InWidth;
        T divisor = T.CreateChecked(divisorOverride != 0 ? divisorOverride : 4);
        Partition.For(g.Planes, (long)g.Planes * g.InPlane, (start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                var plane = dx.AsSpan(p * g.InPlane, g.InPlane);
                int o = dyOffset + p * g.OutPlane;
                for (int oh = 0; oh < g.OutHeight; oh++)
                {
                    var top = plane.Slice(2 * oh * w, w);
                    var bottom = plane.Slice(2 * oh * w + w, w);
                    var grad = dy.AsSpan(o, g.OutWidth);
                    for (int ow = 0; ow < grad.Length; ow++)
                    {
                        int at = 2 * ow;
                        T share = grad[ow] / divisor;
                        top[at] = top[at + 1] = bottom[at] = bottom[at + 1] = share;
                    }
                    top[(2 * g.OutWidth)..].Clear();
                    bottom[(2 * g.OutWidth)..].Clear();
                    o += g.OutWidth;
                }
                plane[(2 * g.OutHeight * w)..].Clear();
            }
        });
    }
}
