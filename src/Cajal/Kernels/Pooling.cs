using System.Numerics;

namespace Cajal.Kernels;

/// <summary>The sizes of a 2-D pooling over <c>Planes</c> independent (H, W) planes.</summary>
/// <remarks>Output pixel (oh, ow) looks at input rows oh·StrideH − PadTop + ki·DilationH, ki &lt; KernelHeight (and likewise columns).</remarks>
internal readonly record struct PoolGeometry(
    int Planes, int InHeight, int InWidth, int OutHeight, int OutWidth,
    int KernelHeight, int KernelWidth, int StrideH, int StrideW, int PadTop, int PadLeft, int DilationH, int DilationW)
{
    /// <summary>Elements of one input plane.</summary>
    public int InPlane => InHeight * InWidth;

    /// <summary>Elements of one output plane.</summary>
    public int OutPlane => OutHeight * OutWidth;
}

/// <summary>Max, average and adaptive average pooling over contiguous (planes, H, W) arrays, forward and backward.</summary>
/// <remarks>The window rules are PyTorch's CPU kernels', so outputs, indices and gradients match it exactly.</remarks>
internal static partial class Pooling
{
    /// <summary>
    /// values[p, oh, ow] = max over the window (padding is −∞; NaN wins), indices = flat ih·W + iw of the first
    /// maximum in row-major window order. x (planes, H, W) at <paramref name="xOffset"/>; outputs from index 0.
    /// <paramref name="indices"/> null: the maxima only (inference, where no backward needs them).
    /// </summary>
    public static void MaxForward<T>(T[] x, int xOffset, T[] values, long[]? indices, PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Partition.For(g.Planes, (long)g.Planes * g.OutPlane * g.KernelHeight * g.KernelWidth, (start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                var plane = x.AsSpan(xOffset + p * g.InPlane, g.InPlane);
                int o = p * g.OutPlane;
                for (int oh = 0; oh < g.OutHeight; oh++)
                {
                    int ih0 = oh * g.StrideH - g.PadTop;
                    int ih1 = Math.Min(ih0 + (g.KernelHeight - 1) * g.DilationH + 1, g.InHeight);
                    while (ih0 < 0) ih0 += g.DilationH;
                    for (int ow = 0; ow < g.OutWidth; ow++, o++)
                    {
                        int iw0 = ow * g.StrideW - g.PadLeft;
                        int iw1 = Math.Min(iw0 + (g.KernelWidth - 1) * g.DilationW + 1, g.InWidth);
                        while (iw0 < 0) iw0 += g.DilationW;
                        int best = ih0 * g.InWidth + iw0;   // PyTorch's start value, kept when every element is −∞
                        T max = T.NegativeInfinity;
                        for (int ih = ih0; ih < ih1; ih += g.DilationH)
                        {
                            for (int iw = iw0; iw < iw1; iw += g.DilationW)
                            {
                                int index = ih * g.InWidth + iw;
                                T v = plane[index];
                                if (v > max || T.IsNaN(v))
                                {
                                    max = v;
                                    best = index;
                                }
                            }
                        }
                        values[o] = max;
                        if (indices is not null) indices[o] = best;
                    }
                }
            }
        });
    }

    /// <summary>dx[p, indices[p, o]] += dy[p, o]; dx (planes, H, W) from index 0 is overwritten.</summary>
    public static void MaxBackward<T>(T[] dy, int dyOffset, long[] indices, T[] dx, PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Partition.For(g.Planes, (long)g.Planes * (g.InPlane + g.OutPlane), (start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                var plane = dx.AsSpan(p * g.InPlane, g.InPlane);
                plane.Clear();
                int o = p * g.OutPlane;
                for (int i = 0; i < g.OutPlane; i++)
                {
                    // A dilated window can hold only padding: its index is PyTorch's start position, which may lie
                    // past the plane (PyTorch then writes out of bounds; we drop that gradient).
                    long at = indices[o + i];
                    if ((ulong)at < (ulong)g.InPlane) plane[(int)at] += dy[dyOffset + o + i];
                }
            }
        });
    }

    /// <summary>
    /// The window of output (oh, ow) clipped to the image, and the divisor PyTorch uses for it: kH·kW clipped to the
    /// padded image when <paramref name="countIncludePad"/>, else the number of image pixels; an override wins.
    /// </summary>
    private static (int H0, int H1, int W0, int W1, int Divisor) AvgWindow(PoolGeometry g, int oh, int ow, bool countIncludePad, int divisorOverride)
    {
        int h0 = oh * g.StrideH - g.PadTop, w0 = ow * g.StrideW - g.PadLeft;
        int h1 = Math.Min(h0 + g.KernelHeight, g.InHeight + g.PadTop);
        int w1 = Math.Min(w0 + g.KernelWidth, g.InWidth + g.PadLeft);
        int poolSize = (h1 - h0) * (w1 - w0);
        h0 = Math.Max(h0, 0);
        w0 = Math.Max(w0, 0);
        h1 = Math.Min(h1, g.InHeight);
        w1 = Math.Min(w1, g.InWidth);
        int divisor = divisorOverride != 0 ? divisorOverride : countIncludePad ? poolSize : (h1 - h0) * (w1 - w0);
        return (h0, h1, w0, w1, divisor);
    }

    /// <summary>
    /// y[p, oh, ow] = Σ window / divisor (see <see cref="AvgWindow"/>); a window with no image pixel gives 0.
    /// <paramref name="divisorOverride"/> 0 means none.
    /// </summary>
    public static void AvgForward<T>(T[] x, int xOffset, T[] y, PoolGeometry g, bool countIncludePad, int divisorOverride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Partition.For(g.Planes, (long)g.Planes * g.OutPlane * g.KernelHeight * g.KernelWidth, (start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                var plane = x.AsSpan(xOffset + p * g.InPlane, g.InPlane);
                int o = p * g.OutPlane;
                for (int oh = 0; oh < g.OutHeight; oh++)
                {
                    for (int ow = 0; ow < g.OutWidth; ow++, o++)
                    {
                        var (h0, h1, w0, w1, divisor) = AvgWindow(g, oh, ow, countIncludePad, divisorOverride);
                        if (h0 >= h1 || w0 >= w1)
                        {
                            y[o] = T.Zero;
                            continue;
                        }
                        T sum = T.Zero;
                        for (int ih = h0; ih < h1; ih++)
                            for (int iw = w0; iw < w1; iw++) sum += plane[ih * g.InWidth + iw];
                        y[o] = sum / T.CreateChecked(divisor);
                    }
                }
            }
        });
    }

    /// <summary>dx[p, window] += dy[p, oh, ow] / divisor for every output; dx from index 0 is overwritten.</summary>
    public static void AvgBackward<T>(T[] dy, int dyOffset, T[] dx, PoolGeometry g, bool countIncludePad, int divisorOverride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Partition.For(g.Planes, (long)g.Planes * g.OutPlane * g.KernelHeight * g.KernelWidth, (start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                var plane = dx.AsSpan(p * g.InPlane, g.InPlane);
                plane.Clear();
                int o = dyOffset + p * g.OutPlane;
                for (int oh = 0; oh < g.OutHeight; oh++)
                {
                    for (int ow = 0; ow < g.OutWidth; ow++, o++)
                    {
                        var (h0, h1, w0, w1, divisor) = AvgWindow(g, oh, ow, countIncludePad, divisorOverride);
                        T share = dy[o] / T.CreateChecked(divisor);
                        for (int ih = h0; ih < h1; ih++)
                            for (int iw = w0; iw < w1; iw++) plane[ih * g.InWidth + iw] += share;
                    }
                }
            }
        });
    }

    /// <summary>Start (inclusive) and end (exclusive) of adaptive window i: ⌊i·size/out⌋ and ⌈(i+1)·size/out⌉.</summary>
    internal static (int Start, int End) AdaptiveWindow(int i, int size, int outSize) =>
        ((int)((long)i * size / outSize), (int)(((long)(i + 1) * size + outSize - 1) / outSize));

    /// <summary>y[p, oh, ow] = mean of x[p] over the adaptive window (oh, ow). x (planes, H, W); y (planes, OH, OW).</summary>
    public static void AdaptiveAvgForward<T>(T[] x, int xOffset, T[] y, int planes, int height, int width, int outHeight, int outWidth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Partition.For(planes, (long)planes * height * width, (start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                var plane = x.AsSpan(xOffset + p * height * width, height * width);
                int o = p * outHeight * outWidth;
                for (int oh = 0; oh < outHeight; oh++)
                {
                    var (h0, h1) = AdaptiveWindow(oh, height, outHeight);
                    for (int ow = 0; ow < outWidth; ow++, o++)
                    {
                        var (w0, w1) = AdaptiveWindow(ow, width, outWidth);
                        T sum = T.Zero;
                        for (int ih = h0; ih < h1; ih++)
                            for (int iw = w0; iw < w1; iw++) sum += plane[ih * width + iw];
                        y[o] = sum / T.CreateChecked(h1 - h0) / T.CreateChecked(w1 - w0);   // PyTorch's order of division
                    }
                }
            }
        });
    }

    /// <summary>dx[p, window(oh, ow)] += dy[p, oh, ow] / window size; dx from index 0 is overwritten.</summary>
    public static void AdaptiveAvgBackward<T>(T[] dy, int dyOffset, T[] dx, int planes, int height, int width, int outHeight, int outWidth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Partition.For(planes, (long)planes * height * width, (start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                var plane = dx.AsSpan(p * height * width, height * width);
                plane.Clear();
                int o = dyOffset + p * outHeight * outWidth;
                for (int oh = 0; oh < outHeight; oh++)
                {
                    var (h0, h1) = AdaptiveWindow(oh, height, outHeight);
                    for (int ow = 0; ow < outWidth; ow++, o++)
                    {
                        var (w0, w1) = AdaptiveWindow(ow, width, outWidth);
                        T share = dy[o] / T.CreateChecked(h1 - h0) / T.CreateChecked(w1 - w0);
                        for (int ih = h0; ih < h1; ih++)
                            for (int iw = w0; iw < w1; iw++) plane[ih * width + iw] += share;
                    }
                }
            }
        });
    }
}
