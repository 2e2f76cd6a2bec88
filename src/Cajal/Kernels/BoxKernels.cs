using System.Numerics;

namespace Cajal.Kernels;

/// <summary>Box overlap kernels (IoU) in double, for the detection utilities and the YOLOv3 loss.</summary>
internal static class BoxKernels
{
    /// <summary>IoU of two centre-size boxes: the corners are formed first, as DN's <c>box_iou</c> (spec section 5).</summary>
    public static double IouCenterSize(double ax, double ay, double aw, double ah, double bx, double by, double bw, double bh)
    {
        double ox = Math.Min(ax + aw / 2, bx + bw / 2) - Math.Max(ax - aw / 2, bx - bw / 2);
        double oy = Math.Min(ay + ah / 2, by + bh / 2) - Math.Max(ay - ah / 2, by - bh / 2);
        double inter = Math.Max(ox, 0) * Math.Max(oy, 0);
        double union = aw * ah + bw * bh - inter;
        return union > 0 ? inter / union : 0;
    }

    /// <summary>IoU of two corner-form boxes (x1, y1, x2, y2).</summary>
    public static double IouCorners(double ax1, double ay1, double ax2, double ay2, double bx1, double by1, double bx2, double by2)
    {
        double ox = Math.Min(ax2, bx2) - Math.Max(ax1, bx1);
        double oy = Math.Min(ay2, by2) - Math.Max(ay1, by1);
        double inter = Math.Max(ox, 0) * Math.Max(oy, 0);
        double union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
        return union > 0 ? inter / union : 0;
    }

    /// <summary>output[i·m + j] = IoU(a[i], b[j]); a is (n, 4), b is (m, 4), rows centre-size or corners.</summary>
    public static void PairwiseIou<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> output, int n, int m, bool corners)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < n; i++)
        {
            double a0 = double.CreateTruncating(a[4 * i]), a1 = double.CreateTruncating(a[4 * i + 1]);
            double a2 = double.CreateTruncating(a[4 * i + 2]), a3 = double.CreateTruncating(a[4 * i + 3]);
            for (int j = 0; j < m; j++)
            {
                double b0 = double.CreateTruncating(b[4 * j]), b1 = double.CreateTruncating(b[4 * j + 1]);
                double b2 = double.CreateTruncating(b[4 * j + 2]), b3 = double.CreateTruncating(b[4 * j + 3]);
                double iou = corners ? IouCorners(a0, a1, a2, a3, b0, b1, b2, b3) : IouCenterSize(a0, a1, a2, a3, b0, b1, b2, b3);
                output[i * m + j] = T.CreateTruncating(iou);
            }
        }
    }
}
