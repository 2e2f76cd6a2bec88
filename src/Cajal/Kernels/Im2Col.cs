using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace Cajal.Kernels;

/// <summary>The sizes of a 2-D convolution: everything a convolution kernel needs besides the data.</summary>
/// <remarks>
/// Input (Batch, InChannels, InHeight, InWidth), weight (OutChannels, InChannels/Groups, KernelHeight, KernelWidth),
/// output (Batch, OutChannels, OutHeight, OutWidth). Output row oh reads input rows oh·StrideH − PadTop + ki·DilationH
/// for ki &lt; KernelHeight; rows outside the input read zero, so padding may be asymmetric (the output size decides
/// how much padding the bottom and right get).
/// </remarks>
internal readonly record struct ConvGeometry(
    int Batch, int InChannels, int InHeight, int InWidth,
    int OutChannels, int KernelHeight, int KernelWidth, int OutHeight, int OutWidth,
    int StrideH, int StrideW, int PadTop, int PadLeft, int DilationH, int DilationW, int Groups)
{
    /// <summary>Elements of one input plane.</summary>
    public int InPlane => InHeight * InWidth;

    /// <summary>Elements of one output plane (the number of kernel positions).</summary>
    public int OutPlane => OutHeight * OutWidth;

    /// <summary>Kernel taps per channel, kH·kW.</summary>
    public int Taps => KernelHeight * KernelWidth;

    /// <summary>Input channels per group.</summary>
    public int GroupInChannels => InChannels / Groups;

    /// <summary>Output channels per group.</summary>
    public int GroupOutChannels => OutChannels / Groups;

    /// <summary>Rows of the column matrix per group: (C/groups)·kH·kW, the GEMM's inner dimension.</summary>
    public int GroupPatch => GroupInChannels * Taps;
}

/// <summary>
/// im2col and col2im: unfold the receptive fields of a batch of images into the columns of a matrix, and fold
/// such a matrix back, summing overlaps. They turn convolution into matrix multiplication.
/// </summary>
/// <remarks>
/// The column matrix of <c>count</c> images is (C·kH·kW, count·L), L = Hout·Wout, row r = (c·kH + ki)·kW + kj,
/// column n·L + oh·Wout + ow, holding input[n, c, oh·sH − pT + ki·dH, ow·sW − pL + kj·dW] (zero outside the image).
/// </remarks>
internal static class Im2Col
{
    /// <summary>Fills <paramref name="columns"/> (C·kH·kW, count·L) from images <paramref name="input"/>[offset..] (count, C, H, W).</summary>
    public static void Unfold<T>(T[] input, int offset, int count, ConvGeometry g, T[] columns)
        where T : unmanaged, INumber<T>
    {
        int rows = g.InChannels * g.Taps;
        int ld = count * g.OutPlane;
        Debug.Assert(columns.Length >= rows * ld && input.Length >= offset + count * g.InChannels * g.InPlane);
        Partition.For(rows, (long)rows * ld, (start, end) =>
        {
            for (int r = start; r < end; r++) UnfoldRow(input, offset, count, g, columns, r, ld);
        });
    }

    private static void UnfoldRow<T>(T[] input, int offset, int count, ConvGeometry g, T[] columns, int r, int ld)
        where T : unmanaged, INumber<T>
    {
        int c = r / g.Taps, ki = r / g.KernelWidth % g.KernelHeight, kj = r % g.KernelWidth;
        int ihBase = ki * g.DilationH - g.PadTop, iwBase = kj * g.DilationW - g.PadLeft;
        var (owLo, owHi) = ValidRange(iwBase, g.StrideW, g.InWidth, g.OutWidth);
        int wout = g.OutWidth, sw = g.StrideW;
        for (int n = 0; n < count; n++)
        {
            int plane = offset + (n * g.InChannels + c) * g.InPlane;
            int dst = r * ld + n * g.OutPlane;
            for (int oh = 0; oh < g.OutHeight; oh++, dst += wout)
            {
                var row = columns.AsSpan(dst, wout);
                int ih = oh * g.StrideH + ihBase;
                if ((uint)ih >= (uint)g.InHeight)
                {
                    row.Clear();
                    continue;
                }
                // The padding columns: a few elements at most, so a loop rather than a call.
                for (int ow = 0; ow < owLo; ow++) row[ow] = T.Zero;
                for (int ow = owHi; ow < wout; ow++) row[ow] = T.Zero;
                if (owLo == owHi) continue;   // this tap reads only padding on this row (src may lie before the array)
                int src = plane + ih * g.InWidth + iwBase;
                if (sw == 1)
                {
                    Copy.Short<T>(input.AsSpan(src + owLo, owHi - owLo), row[owLo..owHi]);
                }
                else
                {
                    for (int ow = owLo; ow < owHi; ow++) row[ow] = input[src + ow * sw];
                }
            }
        }
    }

    /// <summary>
    /// Sets images <paramref name="output"/>[offset..] (count, C, H, W) to the sum of the column entries that read each
    /// pixel: the adjoint of <see cref="Unfold{T}"/>.
    /// </summary>
    public static void Fold<T>(T[] columns, int count, ConvGeometry g, T[] output, int offset)
        where T : unmanaged, INumber<T>
    {
        int planes = count * g.InChannels;
        int ld = count * g.OutPlane;
        Debug.Assert(columns.Length >= g.InChannels * g.Taps * ld && output.Length >= offset + planes * g.InPlane);
        // One plane per work item: a pixel is only written by its own plane's item, so threads never collide.
        Partition.For(planes, (long)g.InChannels * g.Taps * ld, (start, end) =>
        {
            for (int p = start; p < end; p++) FoldPlane(columns, count, g, output, offset, p, ld);
        });
    }

    private static void FoldPlane<T>(T[] columns, int count, ConvGeometry g, T[] output, int offset, int p, int ld)
        where T : unmanaged, INumber<T>
    {
        int n = p / g.InChannels, c = p % g.InChannels;
        var plane = output.AsSpan(offset + p * g.InPlane, g.InPlane);
        plane.Clear();
        int wout = g.OutWidth, sw = g.StrideW;
        for (int ki = 0; ki < g.KernelHeight; ki++)
        {
            int ihBase = ki * g.DilationH - g.PadTop;
            for (int kj = 0; kj < g.KernelWidth; kj++)
            {
                int iwBase = kj * g.DilationW - g.PadLeft;
                var (owLo, owHi) = ValidRange(iwBase, sw, g.InWidth, wout);
                if (owLo >= owHi) continue;
                int r = (c * g.KernelHeight + ki) * g.KernelWidth + kj;
                int src = r * ld + n * g.OutPlane;
                for (int oh = 0; oh < g.OutHeight; oh++, src += wout)
                {
                    int ih = oh * g.StrideH + ihBase;
                    if ((uint)ih >= (uint)g.InHeight) continue;
                    int dst = ih * g.InWidth + iwBase;
                    if (sw == 1)
                    {
                        var target = plane.Slice(dst + owLo, owHi - owLo);
                        TensorPrimitives.Add(target, columns.AsSpan(src + owLo, owHi - owLo), target);
                    }
                    else
                    {
                        for (int ow = owLo; ow < owHi; ow++) plane[dst + ow * sw] += columns[src + ow];
                    }
                }
            }
        }
    }

    /// <summary>The output columns [lo, hi) whose input column ow·stride + start lies in [0, size).</summary>
    internal static (int Lo, int Hi) ValidRange(int start, int stride, int size, int outSize)
    {
        int lo = start >= 0 ? 0 : (-start + stride - 1) / stride;
        int last = size - 1 - start;                // need ow·stride ≤ last
        int hi = last < 0 ? 0 : Math.Min(outSize, last / stride + 1);
        lo = Math.Min(lo, outSize);
        return (lo, Math.Max(lo, hi));
    }
}
