namespace Cajal.Tests.Convolution;

/// <summary>
/// Naive direct convolution and pooling on flat double arrays, written from the definitions: the algorithmic
/// reference the im2col + GEMM and pooling kernels are tested against.
/// </summary>
internal static class DirectReference
{
    /// <summary>The attributes of one 2-D convolution; padding is top/left (the output size decides bottom/right).</summary>
    public sealed record Conv(int SH, int SW, int PH, int PW, int DH, int DW, int Groups);

    /// <summary>
    /// out[n, o, i, j] = b[o] + Σ_{c, ki, kj} w[o, c, ki, kj]·x[n, g·Cg + c, i·sH − pH + ki·dH, j·sW − pW + kj·dW],
    /// with the gradients of Σ out·up with respect to x and w.
    /// </summary>
    public static (double[] Out, double[] Dx, double[] Dw) Conv2d(
        double[] x, int[] xs, double[] w, int[] ws, double[]? b, Conv a, int hout, int wout, double[] up)
    {
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3];
        int cout = ws[0], cg = ws[1], kh = ws[2], kw = ws[3], coutG = cout / a.Groups;
        var y = new double[n * cout * hout * wout];
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        for (int ni = 0; ni < n; ni++)
            for (int o = 0; o < cout; o++)
                for (int i = 0; i < hout; i++)
                    for (int j = 0; j < wout; j++)
                    {
                        int yi = ((ni * cout + o) * hout + i) * wout + j;
                        double sum = b?[o] ?? 0;
                        int grp = o / coutG;
                        for (int ci = 0; ci < cg; ci++)
                            for (int ki = 0; ki < kh; ki++)
                                for (int kj = 0; kj < kw; kj++)
                                {
                                    int ih = i * a.SH - a.PH + ki * a.DH, iw = j * a.SW - a.PW + kj * a.DW;
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                                    int xi = ((ni * c + grp * cg + ci) * h + ih) * wd + iw;
                                    int wi = ((o * cg + ci) * kh + ki) * kw + kj;
                                    sum += w[wi] * x[xi];
                                    dx[xi] += w[wi] * up[yi];
                                    dw[wi] += x[xi] * up[yi];
                                }
                        y[yi] = sum;
                    }
        return (y, dx, dw);
    }

    /// <summary>
    /// Transposed convolution as a scatter: out[n, g·CoG + o, i·s − p + k·d] += x[n, c, i]·w[c, o, k] for c in group g,
    /// with the gradients of Σ out·up.
    /// </summary>
    public static (double[] Out, double[] Dx, double[] Dw) ConvTranspose2d(
        double[] x, int[] xs, double[] w, int[] ws, double[]? b, Conv a, int hout, int wout, double[] up)
    {
        int n = xs[0], cin = xs[1], h = xs[2], wd = xs[3];
        int coutG = ws[1], kh = ws[2], kw = ws[3], cout = coutG * a.Groups, cinG = cin / a.Groups;
        var y = new double[n * cout * hout * wout];
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        for (int ni = 0; ni < n; ni++)
            for (int o = 0; o < cout; o++)
                for (int p = 0; p < hout * wout; p++) y[(ni * cout + o) * hout * wout + p] = b?[o] ?? 0;
        for (int ni = 0; ni < n; ni++)
            for (int ci = 0; ci < cin; ci++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < wd; j++)
                    {
                        int xi = ((ni * cin + ci) * h + i) * wd + j, grp = ci / cinG;
                        for (int o = 0; o < coutG; o++)
                            for (int ki = 0; ki < kh; ki++)
                                for (int kj = 0; kj < kw; kj++)
                                {
                                    int oh = i * a.SH - a.PH + ki * a.DH, ow = j * a.SW - a.PW + kj * a.DW;
                                    if (oh < 0 || oh >= hout || ow < 0 || ow >= wout) continue;
                                    int yi = ((ni * cout + grp * coutG + o) * hout + oh) * wout + ow;
                                    int wi = ((ci * coutG + o) * kh + ki) * kw + kj;
                                    y[yi] += x[xi] * w[wi];
                                    dx[xi] += w[wi] * up[yi];
                                    dw[wi] += x[xi] * up[yi];
                                }
                    }
        return (y, dx, dw);
    }

    /// <summary>
    /// Max pooling by scanning each window over an explicitly −∞-padded plane; the first maximum wins, and any NaN wins (the last one, as in PyTorch's loop).
    /// Returns values, flat indices into the unpadded plane and the gradient of Σ out·up.
    /// </summary>
    public static (double[] Out, long[] Indices, double[] Dx) MaxPool2d(
        double[] x, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int hout, int wout, double[] up)
    {
        var y = new double[planes * hout * wout];
        var idx = new long[y.Length];
        var dx = new double[x.Length];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < hout; i++)
                for (int j = 0; j < wout; j++)
                {
                    double best = double.NegativeInfinity;
                    long at = -1;
                    for (int ki = 0; ki < kh; ki++)
                        for (int kj = 0; kj < kw; kj++)
                        {
                            int ih = i * sh - ph + ki * dh, iw = j * sw - pw + kj * dw;
                            if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;   // padding: −∞, never chosen
                            double v = x[(p * h + ih) * w + iw];
                            if (at < 0 || v > best || double.IsNaN(v))   // PyTorch's test: a later NaN replaces an earlier one
                            {
                                best = v;
                                at = ih * w + iw;
                            }
                        }
                    int o = (p * hout + i) * wout + j;
                    if (at < 0)
                    {
                        // A dilated window of padding only: PyTorch reports −∞ at the first tap position at or after
                        // (0, 0), even when it lies outside the image, and sends the gradient there if that is in the plane.
                        int ih = i * sh - ph, iw = j * sw - pw;
                        while (ih < 0) ih += dh;
                        while (iw < 0) iw += dw;
                        at = ih * w + iw;
                    }
                    y[o] = best;
                    idx[o] = at;
                    if (at < h * w) dx[p * h * w + at] += up[o];
                }
        return (y, idx, dx);
    }

    /// <summary>
    /// Average pooling over an explicitly zero-padded plane. The divisor: the override; else, with countIncludePad, the
    /// window's cells that lie inside the padded plane; else the window's input pixels.
    /// </summary>
    public static (double[] Out, double[] Dx) AvgPool2d(
        double[] x, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int hout, int wout,
        bool countIncludePad, int? divisorOverride, double[] up)
    {
        var y = new double[planes * hout * wout];
        var dx = new double[x.Length];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < hout; i++)
                for (int j = 0; j < wout; j++)
                {
                    double sum = 0;
                    int inPadded = 0, inImage = 0;
                    var cells = new List<int>();
                    for (int ki = 0; ki < kh; ki++)
                        for (int kj = 0; kj < kw; kj++)
                        {
                            int ih = i * sh - ph + ki, iw = j * sw - pw + kj;
                            if (ih < h + ph && iw < w + pw) inPadded++;   // rows/columns start ≥ −p by construction
                            if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                            inImage++;
                            sum += x[(p * h + ih) * w + iw];
                            cells.Add((p * h + ih) * w + iw);
                        }
                    int divisor = divisorOverride ?? (countIncludePad ? inPadded : inImage);
                    int o = (p * hout + i) * wout + j;
                    y[o] = inImage == 0 ? 0 : sum / divisor;
                    foreach (int cell in cells) dx[cell] += up[o] / divisor;
                }
        return (y, dx);
    }
}
