using System.Numerics;

namespace Cajal.Kernels;

/// <summary>The fused YOLOv3 loss of one scale (spec sections 3, 5, 6 and 8): forward sums and the gradient, in double.</summary>
/// <remarks>
/// raw is (N, A·(5+C), H, W) row-major: channel k of local anchor a at cell (j, i) of image b lies at
/// ((b·A + a)·(5+C) + k)·H·W + j·W + i. A "state index" m = (b·A + a)·H·W + j·W + i names a position; state[m] says
/// whether it is assigned, a no-object position, or ignored. A positive q has its state index in positions[q], its
/// (g_x, g_y, g_w, g_h, λ) in targets[5q..5q+5) and its multi-hot class target in classTargets[C·q..C·q+C).
/// </remarks>
internal static class YoloKernels
{
    /// <summary>An unassigned position whose best IoU with a ground-truth box is ≥ τ: no loss at all.</summary>
    public const byte Ignored = 0;

    /// <summary>An unassigned position with ν = 1: it gets BCE(0, z_obj).</summary>
    public const byte NoObject = 1;

    /// <summary>An assigned position: xy, wh, BCE(1, z_obj) and class terms.</summary>
    public const byte Assigned = 2;

    /// <summary>Bit flags selecting the parts whose gradient <see cref="Backward"/> writes.</summary>
    public const int PartXY = 1, PartWH = 2, PartConf = 4, PartClass = 8, AllParts = 15;

    /// <summary>
    /// Fills state and adds the undivided sums (xy, wh, conf, class) of this scale to sums[0..4).
    /// </summary>
    /// <remarks>
    /// raw is (N, A·(5+C), H, W); anchors holds (aw/inputW, ah/inputH) of each local anchor (2·A values); truths holds
    /// (cx, cy, w, h) of every box of every image, image after image, the boxes of image b starting at truthStart[b]
    /// (N + 1 values); state has N·A·H·W entries.
    /// </remarks>
    public static void Forward<T>(ReadOnlySpan<T> raw, int n, int anchorCount, int classes, int h, int w,
        ReadOnlySpan<double> anchors, ReadOnlySpan<double> truths, ReadOnlySpan<int> truthStart,
        ReadOnlySpan<int> positions, ReadOnlySpan<double> targets, ReadOnlySpan<double> classTargets,
        bool darknet, double tau, Span<byte> state, Span<double> sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int hw = h * w, stride = (5 + classes) * hw;
        state.Clear();
        foreach (int m in positions) state[m] = Assigned;

        double conf = 0;
        for (int b = 0; b < n; b++)
        {
            var boxes = truths[(4 * truthStart[b])..(4 * truthStart[b + 1])];
            for (int a = 0; a < anchorCount; a++)
            {
                int rawBase = (b * anchorCount + a) * stride, stateBase = (b * anchorCount + a) * hw;
                double aw = anchors[2 * a], ah = anchors[2 * a + 1];
                for (int j = 0; j < h; j++)
                {
                    for (int i = 0; i < w; i++)
                    {
                        int p = j * w + i;
                        if (state[stateBase + p] == Assigned) continue;
                        int r = rawBase + p;
                        bool keep = true;
                        if (!boxes.IsEmpty)
                        {
                            // Decode (spec section 3) and test against every box of the image (section 5).
                            double px = (Sigmoid(double.CreateTruncating(raw[r])) + i) / w;
                            double py = (Sigmoid(double.CreateTruncating(raw[r + hw])) + j) / h;
                            double pw = Math.Exp(double.CreateTruncating(raw[r + 2 * hw])) * aw;
                            double ph = Math.Exp(double.CreateTruncating(raw[r + 3 * hw])) * ah;
                            for (int t = 0; t < boxes.Length; t += 4)
                            {
                                if (BoxKernels.IouCenterSize(px, py, pw, ph, boxes[t], boxes[t + 1], boxes[t + 2], boxes[t + 3]) >= tau)
                                {
                                    keep = false;   // ν = 0: best IoU ≥ τ
                                    break;
                                }
                            }
                        }
                        if (keep)
                        {
                            state[stateBase + p] = NoObject;
                            conf += Bce(0, double.CreateTruncating(raw[r + 4 * hw]));
                        }
                    }
                }
            }
        }

        double xy = 0, wh = 0, cls = 0;
        for (int q = 0; q < positions.Length; q++)
        {
            int m = positions[q];
            int r = m / hw * stride + m % hw;
            double zx = double.CreateTruncating(raw[r]), zy = double.CreateTruncating(raw[r + hw]);
            double zw = double.CreateTruncating(raw[r + 2 * hw]), zh = double.CreateTruncating(raw[r + 3 * hw]);
            double gx = targets[5 * q], gy = targets[5 * q + 1], gw = targets[5 * q + 2], gh = targets[5 * q + 3], lambda = targets[5 * q + 4];
            if (darknet)
            {
                double dx = Sigmoid(zx) - gx, dy = Sigmoid(zy) - gy;
                xy += lambda * 0.5 * (dx * dx + dy * dy);
            }
            else
            {
                xy += lambda * (Bce(gx, zx) + Bce(gy, zy));
            }
            wh += lambda * 0.5 * ((zw - gw) * (zw - gw) + (zh - gh) * (zh - gh));
            conf += Bce(1, double.CreateTruncating(raw[r + 4 * hw]));
            var y = classTargets.Slice(classes * q, classes);
            for (int c = 0; c < classes; c++)
                cls += Bce(y[c], double.CreateTruncating(raw[r + (5 + c) * hw]));
        }
        sums[0] += xy;
        sums[1] += wh;
        sums[2] += conf;
        sums[3] += cls;
    }

    /// <summary>
    /// Writes factor·∂(selected parts)/∂raw into grad (zeroed by the caller), spec section 8; factor = upstream / N.
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> raw, Span<T> grad, int n, int anchorCount, int classes, int h, int w,
        ReadOnlySpan<byte> state, ReadOnlySpan<int> positions, ReadOnlySpan<double> targets, ReadOnlySpan<double> classTargets,
        bool darknet, double factor, int parts)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int hw = h * w, stride = (5 + classes) * hw;
        if ((parts & PartConf) != 0)
        {
            for (int ba = 0; ba < n * anchorCount; ba++)
            {
                var st = state.Slice(ba * hw, hw);
                int r = ba * stride + 4 * hw;
                for (int p = 0; p < hw; p++)
                {
                    if (st[p] == Ignored) continue;
                    double s = Sigmoid(double.CreateTruncating(raw[r + p]));
                    grad[r + p] = T.CreateTruncating((st[p] == Assigned ? s - 1 : s) * factor);
                }
            }
        }
        for (int q = 0; q < positions.Length; q++)
        {
            int m = positions[q];
            int r = m / hw * stride + m % hw;
            double lambda = targets[5 * q + 4];
            if ((parts & PartXY) != 0)
            {
                for (int d = 0; d < 2; d++)
                {
                    double s = Sigmoid(double.CreateTruncating(raw[r + d * hw]));
                    double g = lambda * (s - targets[5 * q + d]);
                    if (darknet) g *= s * (1 - s);   // the true derivative of ½λ(σ − g)²
                    grad[r + d * hw] = T.CreateTruncating(g * factor);
                }
            }
            if ((parts & PartWH) != 0)
            {
                for (int d = 2; d < 4; d++)
                    grad[r + d * hw] = T.CreateTruncating(lambda * (double.CreateTruncating(raw[r + d * hw]) - targets[5 * q + d]) * factor);
            }
            if ((parts & PartClass) != 0)
            {
                for (int c = 0; c < classes; c++)
                {
                    int idx = r + (5 + c) * hw;
                    grad[idx] = T.CreateTruncating((Sigmoid(double.CreateTruncating(raw[idx])) - classTargets[classes * q + c]) * factor);
                }
            }
        }
    }

    /// <summary>σ(x) = 1/(1 + e^−x), evaluated without overflow on either side.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0) return 1 / (1 + Math.Exp(-x));
        double e = Math.Exp(x);
        return e / (1 + e);
    }

    /// <summary>BCE(g, x) = max(x, 0) − x·g + ln(1 + e^−|x|): −[g ln σ(x) + (1 − g) ln(1 − σ(x))] in the stable form.</summary>
    public static double Bce(double g, double x) => Math.Max(x, 0) - x * g + Log1p(Math.Exp(-Math.Abs(x)));

    /// <summary>ln(1 + x) accurate for small x (Goldberg's correction of the rounded 1 + x).</summary>
    private static double Log1p(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * (x / (u - 1));
    }
}
