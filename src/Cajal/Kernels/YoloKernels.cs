using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Cajal.Kernels;

/// <summary>The fused YOLOv3 loss of one scale (spec sections 3, 5, 6 and 8): forward sums and the gradient, in double.</summary>
/// <remarks>
/// raw is (N, A·(5+C), H, W) row-major: channel k of local anchor a at cell (j, i) of image b lies at
/// ((b·A + a)·(5+C) + k)·H·W + j·W + i. A "state index" m = (b·A + a)·H·W + j·W + i names a position; state[m] says
/// whether it is assigned, a no-object position, or ignored. A positive q has its state index in positions[q], its
/// (g_x, g_y, g_w, g_h, λ) in targets[5q..5q+5) and its multi-hot class target in classTargets[C·q..C·q+C).
/// The dense work (activations, decoding, the IoU test) runs vectorised over whole planes; the positives are sparse
/// and handled one by one.
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

    /// <summary>Fills state and adds the undivided sums (xy, wh, conf, class) of this scale to sums[0..4).</summary>
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
        int hw = h * w;
        state.Clear();
        foreach (int m in positions) state[m] = Assigned;
        sums[2] += UnassignedTerms(raw, n, anchorCount, classes, h, w, anchors, truths, truthStart, tau, state);

        double xy = 0, wh = 0, conf = 0, cls = 0;
        int stride = (5 + classes) * hw;
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
    /// Sets the state of every unassigned position (ν = 1 → NoObject, else Ignored) and returns Σ ν·BCE(0, z_obj) over them.
    /// </summary>
    private static double UnassignedTerms<T>(ReadOnlySpan<T> raw, int n, int anchorCount, int classes, int h, int w,
        ReadOnlySpan<double> anchors, ReadOnlySpan<double> truths, ReadOnlySpan<int> truthStart, double tau, Span<byte> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int hw = h * w, stride = (5 + classes) * hw, planes = n * anchorCount;
        // Per plane (b, a): σ(t_x), σ(t_y), e^t_w, e^t_h, softplus(t_obj) = BCE(0, t_obj), then the best IoU and the
        // column and row of every position.
        var rented = ArrayPool<double>.Shared.Rent(8 * hw);
        try
        {
            var buffer = rented.AsSpan(0, 8 * hw);
            var decode = buffer[..(4 * hw)];
            var sp = buffer.Slice(4 * hw, hw);
            var best = buffer.Slice(5 * hw, hw);
            var col = buffer.Slice(6 * hw, hw);
            var row = buffer.Slice(7 * hw, hw);
            for (int p = 0; p < hw; p++)
            {
                col[p] = p % w;
                row[p] = p / w;
            }
            Span<double> corners = stackalloc double[5 * 16];
            double conf = 0;
            for (int b = 0; b < n; b++)
            {
                int boxCount = truthStart[b + 1] - truthStart[b];
                if (5 * boxCount > corners.Length) corners = new double[5 * boxCount];
                TruthCorners(truths.Slice(4 * truthStart[b], 4 * boxCount), corners);
                for (int a = 0; a < anchorCount; a++)
                {
                    int r = (b * anchorCount + a) * stride;
                    var st = state.Slice((b * anchorCount + a) * hw, hw);
                    Load(raw.Slice(r + 4 * hw, hw), sp);
                    Softplus(sp, sp, best);
                    if (boxCount == 0)
                    {
                        best.Fill(double.NegativeInfinity);   // the max over no boxes: ν = 1 for any τ
                    }
                    else
                    {
                        Load(raw.Slice(r, 4 * hw), decode);
                        Sigmoid(decode[..(2 * hw)], decode[..(2 * hw)]);
                        TensorPrimitives.Exp(decode.Slice(2 * hw, 2 * hw), decode.Slice(2 * hw, 2 * hw));
                        BestIou(decode, col, row, w, h, anchors[2 * a], anchors[2 * a + 1], corners[..(5 * boxCount)], best);
                    }
                    for (int p = 0; p < hw; p++)
                    {
                        if (st[p] == Assigned) continue;
                        if (best[p] < tau)
                        {
                            st[p] = NoObject;
                            conf += sp[p];
                        }
                        else
                        {
                            st[p] = Ignored;
                        }
                    }
                }
            }
            return conf;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>corners[5t..5t+5) = (x1, x2, y1, y2, area) of the centre-size box truths[4t..4t+4).</summary>
    internal static void TruthCorners(ReadOnlySpan<double> truths, Span<double> corners)
    {
        for (int t = 0, u = 0; t < truths.Length; t += 4, u += 5)
        {
            corners[u] = truths[t] - truths[t + 2] / 2;
            corners[u + 1] = truths[t] + truths[t + 2] / 2;
            corners[u + 2] = truths[t + 1] - truths[t + 3] / 2;
            corners[u + 3] = truths[t + 1] + truths[t + 3] / 2;
            corners[u + 4] = truths[t + 2] * truths[t + 3];
        }
    }

    /// <summary>
    /// best[p] = max over the truths of IoU(decoded prediction p, truth), −∞ when there are none (spec sections 3 and 5).
    /// </summary>
    /// <remarks>
    /// decode holds four planes of H·W values: σ(t_x), σ(t_y), e^t_w, e^t_h; col and row the cell of each position.
    /// The prediction is centre ((σx + i)/W, (σy + j)/H), size (e^t_w·aw, e^t_h·ah); the IoU is the formula of
    /// <see cref="BoxKernels.IouCenterSize"/> (the reference, which the scalar tail calls) with the truth's corners precomputed.
    /// </remarks>
    internal static void BestIou(ReadOnlySpan<double> decode, ReadOnlySpan<double> col, ReadOnlySpan<double> row, int w, int h,
        double aw, double ah, ReadOnlySpan<double> corners, Span<double> best)
    {
        int hw = best.Length, p = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<double>.Count;
            var vw = new Vector<double>(w);
            var vh = new Vector<double>(h);
            var vaw = new Vector<double>(aw);
            var vah = new Vector<double>(ah);
            var half = new Vector<double>(2);
            for (; p <= hw - width; p += width)
            {
                var px = (new Vector<double>(decode[p..]) + new Vector<double>(col[p..])) / vw;
                var py = (new Vector<double>(decode[(hw + p)..]) + new Vector<double>(row[p..])) / vh;
                var pw = new Vector<double>(decode[(2 * hw + p)..]) * vaw;
                var ph = new Vector<double>(decode[(3 * hw + p)..]) * vah;
                Vector<double> x1 = px - pw / half, x2 = px + pw / half, y1 = py - ph / half, y2 = py + ph / half, area = pw * ph;
                var max = new Vector<double>(double.NegativeInfinity);
                for (int t = 0; t < corners.Length; t += 5)
                {
                    var ox = Vector.Min(x2, new Vector<double>(corners[t + 1])) - Vector.Max(x1, new Vector<double>(corners[t]));
                    var oy = Vector.Min(y2, new Vector<double>(corners[t + 3])) - Vector.Max(y1, new Vector<double>(corners[t + 2]));
                    var inter = Vector.Max(ox, Vector<double>.Zero) * Vector.Max(oy, Vector<double>.Zero);
                    max = Vector.Max(max, inter / (area + new Vector<double>(corners[t + 4]) - inter));
                }
                max.CopyTo(best[p..]);
            }
        }
        for (; p < hw; p++)
        {
            double px = (decode[p] + col[p]) / w, py = (decode[hw + p] + row[p]) / h;
            double pw = decode[2 * hw + p] * aw, ph = decode[3 * hw + p] * ah;
            double max = double.NegativeInfinity;
            for (int t = 0; t < corners.Length; t += 5)
            {
                double tw = corners[t + 1] - corners[t], th = corners[t + 3] - corners[t + 2];
                max = Math.Max(max, BoxKernels.IouCenterSize(px, py, pw, ph, corners[t] + tw / 2, corners[t + 2] + th / 2, tw, th));
            }
            best[p] = max;
        }
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
            var rented = ArrayPool<double>.Shared.Rent(hw);
            try
            {
                var sig = rented.AsSpan(0, hw);
                for (int ba = 0; ba < n * anchorCount; ba++)
                {
                    int r = ba * stride + 4 * hw;
                    Load(raw.Slice(r, hw), sig);
                    Sigmoid(sig, sig);
                    // ∂/∂z_obj: σ − 1 assigned, σ where ν = 1, 0 where ignored.
                    var st = state.Slice(ba * hw, hw);
                    var g = grad.Slice(r, hw);
                    for (int p = 0; p < hw; p++)
                        if (st[p] != Ignored)
                            g[p] = T.CreateTruncating((st[p] == Assigned ? sig[p] - 1 : sig[p]) * factor);
                }
            }
            finally
            {
                ArrayPool<double>.Shared.Return(rented);
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

    /// <summary>destination = source converted to double.</summary>
    private static void Load<T>(ReadOnlySpan<T> source, Span<double> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double)) System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(source).CopyTo(destination);
        else TensorPrimitives.ConvertTruncating<T, double>(source, destination);
    }

    /// <summary>destination = σ(x) = 1/(1 + e^−x), vectorised (e^−x = ∞ gives 0, as it should).</summary>
    private static void Sigmoid(ReadOnlySpan<double> x, Span<double> destination)
    {
        TensorPrimitives.Negate(x, destination);
        TensorPrimitives.Exp(destination, destination);
        TensorPrimitives.Add(destination, 1.0, destination);
        TensorPrimitives.Reciprocal(destination, destination);
    }

    /// <summary>destination = softplus(x) = max(x, 0) + ln(1 + e^−|x|) = BCE(0, x), vectorised; scratch has x's length.</summary>
    /// <remarks>ln(1 + u) for u = e^−|x| ∈ (0, 1] is taken as ln of the rounded 1 + u: an absolute error below 2.3e-16.</remarks>
    private static void Softplus(ReadOnlySpan<double> x, Span<double> destination, Span<double> scratch)
    {
        TensorPrimitives.Max(x, 0.0, scratch);
        TensorPrimitives.Abs(x, destination);
        TensorPrimitives.Negate(destination, destination);
        TensorPrimitives.Exp(destination, destination);
        TensorPrimitives.Add(destination, 1.0, destination);
        TensorPrimitives.Log(destination, destination);
        TensorPrimitives.Add(destination, scratch, destination);
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
