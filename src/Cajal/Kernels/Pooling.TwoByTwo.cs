using System.Diagnostics;
using System.Numerics;

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
    public static void MaxForwardTwoByTwo<T>(T[] x, int xOffset, T[] values, long[] indices, PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(IsTwoByTwo(g));
        int w = g.InWidth;
        Partition.For(g.Planes, (long)g.Planes * g.InPlane, (start, end) =>
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
                    var ix = indices.AsSpan(o, g.OutWidth);
                    for (int ow = 0; ow < v.Length; ow++)
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
                        ix[ow] = best;
                    }
                    o += g.OutWidth;
                }
            }
        });
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
        Partition.For(g.Planes, (long)g.Planes * g.InPlane, (start, end) =>
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
                    for (int ow = 0; ow < grad.Length; ow++)
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
