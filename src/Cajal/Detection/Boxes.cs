using System.Globalization;
using Cajal.Kernels;

namespace Cajal.Detection;

/// <summary>An axis-aligned box in centre-size form: centre (Cx, Cy), width W and height H, in any one unit.</summary>
/// <remarks>Ground truth and decoded predictions use units normalised to the input image (x and w by its width, y and h by its height).</remarks>
/// <param name="Cx">The x coordinate of the centre.</param>
/// <param name="Cy">The y coordinate of the centre.</param>
/// <param name="W">The width.</param>
/// <param name="H">The height.</param>
public readonly record struct Box(double Cx, double Cy, double W, double H)
{
    /// <summary>The area W·H.</summary>
    public double Area => W * H;

    /// <summary>The corners: (x1, y1) = centre − size/2 (left, top) and (x2, y2) = centre + size/2 (right, bottom).</summary>
    public (double X1, double Y1, double X2, double Y2) ToCorners() => (Cx - W / 2, Cy - H / 2, Cx + W / 2, Cy + H / 2);

    /// <summary>The box with corners (x1, y1) (left, top) and (x2, y2) (right, bottom).</summary>
    public static Box FromCorners(double x1, double y1, double x2, double y2) => new((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1);

    /// <summary>The box as <c>(cx, cy, w, h)</c> with round-trip precision.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({Cx:R}, {Cy:R}, {W:R}, {H:R})");
}

/// <summary>A ground-truth object: its box in centre-size form, normalised to [0, 1] by the input size, and its class id.</summary>
/// <param name="Cx">Centre x divided by the input width, in [0, 1].</param>
/// <param name="Cy">Centre y divided by the input height, in [0, 1].</param>
/// <param name="W">Width divided by the input width, in (0, 1].</param>
/// <param name="H">Height divided by the input height, in (0, 1].</param>
/// <param name="Class">The class id, in [0, C).</param>
public readonly record struct GroundTruthBox(double Cx, double Cy, double W, double H, int Class)
{
    /// <summary>The box without its class.</summary>
    public Box Box => new(Cx, Cy, W, H);

    /// <summary>The box as <c>(cx, cy, w, h, class)</c> with round-trip precision.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({Cx:R}, {Cy:R}, {W:R}, {H:R}, {Class})");
}

/// <summary>How the four numbers of a box are laid out in a tensor row.</summary>
public enum BoxFormat
{
    /// <summary><c>(cx, cy, w, h)</c>: centre and size (YOLO's form).</summary>
    CenterSize,

    /// <summary><c>(x1, y1, x2, y2)</c>: left-top and right-bottom corners (torchvision's form).</summary>
    Corners,
}

/// <summary>Intersection over union of axis-aligned boxes, for single boxes and as pairwise matrices.</summary>
/// <remarks>
/// The formula is the one of the YOLOv3 loss spec (section 5), DN's <c>box_iou</c>:
/// overlap_x = min(A.x2, B.x2) − max(A.x1, B.x1) (likewise y), inter = max(overlap_x, 0)·max(overlap_y, 0),
/// IoU = inter / (area_A + area_B − inter). Where the union is not positive (two boxes of zero area) the IoU is
/// defined as 0, not NaN. Nothing here is differentiable: IoUs are used as constants (ignore masks, NMS, mAP).
/// </remarks>
public static class Boxes
{
    /// <summary>
    /// The IoU of two shapes (width, height) centred on the same point: min(w₁, w₂)·min(h₁, h₂) / (w₁h₁ + w₂h₂ − that).
    /// It compares a box with an anchor (YOLO target assignment, anchor clustering).
    /// </summary>
    public static double ShapeIou((double Width, double Height) a, (double Width, double Height) b)
    {
        double inter = Math.Min(a.Width, b.Width) * Math.Min(a.Height, b.Height);
        return inter / (a.Width * a.Height + b.Width * b.Height - inter);
    }

    /// <summary>The IoU of two boxes in centre-size form (spec section 5).</summary>
    public static double Iou(Box a, Box b) =>
        BoxKernels.IouCenterSize(a.Cx, a.Cy, a.W, a.H, b.Cx, b.Cy, b.W, b.H);

    /// <summary>The IoU of two boxes given by their corners (x1, y1) left-top and (x2, y2) right-bottom.</summary>
    public static double IouCorners(double ax1, double ay1, double ax2, double ay2, double bx1, double by1, double bx2, double by2) =>
        BoxKernels.IouCorners(ax1, ay1, ax2, ay2, bx1, by1, bx2, by2);

    /// <summary>The IoU of every box of <paramref name="a"/> with every box of <paramref name="b"/>.</summary>
    /// <remarks>
    /// Shape: a (N, 4), b (M, 4), both Float32 or both Float64, each row in <paramref name="format"/>; output (N, M) in their
    /// dtype, with out[i, j] = IoU(a[i], b[j]). N or M may be 0. Computed in double. The result never requires a gradient.
    /// </remarks>
    public static Tensor PairwiseIou(Tensor a, Tensor b, BoxFormat format = BoxFormat.CenterSize)
    {
        const string op = "PairwiseIou";
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!Enum.IsDefined(format))
            throw new ArgumentOutOfRangeException(nameof(format), $"{op}: unknown box format {format}.");
        foreach (var (t, name) in new[] { (a, "a"), (b, "b") })
        {
            if (!t.DType.IsFloatingPoint())
                throw new ArgumentException($"{op}: {name} must be Float32 or Float64, got {t.DType} {t.Shape}.");
            if (t.Rank != 2 || t.Size(1) != 4)
                throw new ArgumentException($"{op}: {name} must have shape (count, 4), got {t.Shape}.");
        }
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: a is {a.DType} {a.Shape} but b is {b.DType} {b.Shape}; convert one with To(DType).");
        int n = a.Size(0), m = b.Size(0);
        var ac = a.Detach().Contiguous();
        var bc = b.Detach().Contiguous();
        var output = Tensor.Zeros([n, m], a.DType);
        bool corners = format == BoxFormat.Corners;
        if (a.DType == DType.Float32)
            BoxKernels.PairwiseIou<float>(ac.Span<float>(), bc.Span<float>(), output.Span<float>(), n, m, corners);
        else
            BoxKernels.PairwiseIou<double>(ac.Span<double>(), bc.Span<double>(), output.Span<double>(), n, m, corners);
        return output;
    }
}
