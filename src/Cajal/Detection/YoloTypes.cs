using System.Globalization;
using Cajal.Kernels;

namespace Cajal.Detection;

/// <summary>How the centre-offset term loss_xy of <see cref="YoloV3Loss"/> is computed (spec section 6).</summary>
public enum YoloVariant
{
    /// <summary>keras-yolo3: λ·[BCE(g_x, z_x) + BCE(g_y, z_y)] on the logits; its gradient λ·(σ(z) − g) is darknet's training signal.</summary>
    Keras,

    /// <summary>The source document's form: λ·0.5·[(σ(z_x) − g_x)² + (σ(z_y) − g_y)²] on the sigmoid outputs.</summary>
    Darknet,
}

/// <summary>One assigned ("positive") position of the YOLOv3 targets, after collisions are resolved.</summary>
/// <param name="Image">The image index b in the batch.</param>
/// <param name="Scale">The scale index s.</param>
/// <param name="Anchor">The local anchor a: the position of <paramref name="AnchorGlobal"/> in the scale's mask.</param>
/// <param name="AnchorGlobal">The global anchor index k* (the best of all K anchors for the winning box's shape).</param>
/// <param name="CellX">The grid column i = min(⌊cx·W_s⌋, W_s − 1).</param>
/// <param name="CellY">The grid row j = min(⌊cy·H_s⌋, H_s − 1).</param>
/// <param name="Box">The index, in its image's list, of the box that won the coordinates (the last one assigned here).</param>
/// <param name="Gx">Target offset g_x = cx·W_s − i, in [0, 1].</param>
/// <param name="Gy">Target offset g_y = cy·H_s − j, in [0, 1].</param>
/// <param name="Gw">Target log-width g_w = ln(w·inputW / aw).</param>
/// <param name="Gh">Target log-height g_h = ln(h·inputH / ah).</param>
/// <param name="Lambda">The box-loss scale λ = 2 − w·h, in [1, 2).</param>
/// <param name="Classes">The sorted union of the classes of every box assigned here (the multi-hot class target).</param>
public sealed record YoloPositive(int Image, int Scale, int Anchor, int AnchorGlobal, int CellX, int CellY, int Box,
    double Gx, double Gy, double Gw, double Gh, double Lambda, IReadOnlyList<int> Classes)
{
    /// <summary>The position and targets on one line, with the class set written out.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"image {Image} scale {Scale} anchor {Anchor} (global {AnchorGlobal}) cell (y {CellY}, x {CellX}) box {Box} " +
        $"target ({Gx:R}, {Gy:R}, {Gw:R}, {Gh:R}) lambda {Lambda:R} classes [{string.Join(", ", Classes)}]");
}

/// <summary>A prediction position: image, scale, local anchor and grid cell.</summary>
/// <param name="Image">The image index b.</param>
/// <param name="Scale">The scale index s.</param>
/// <param name="Anchor">The local anchor index a in the scale's mask.</param>
/// <param name="CellY">The grid row j.</param>
/// <param name="CellX">The grid column i.</param>
public readonly record struct YoloCell(int Image, int Scale, int Anchor, int CellY, int CellX);

/// <summary>The four parts of the YOLOv3 loss as plain numbers, already divided by the batch size.</summary>
/// <param name="XY">The centre-offset term.</param>
/// <param name="WH">The log-size term.</param>
/// <param name="Conf">The objectness term (object and no-object).</param>
/// <param name="Class">The per-class BCE term.</param>
public readonly record struct YoloLossParts(double XY, double WH, double Conf, double Class)
{
    /// <summary>XY + WH + Conf + Class.</summary>
    public double Total => XY + WH + Conf + Class;
}

/// <summary>The result of <see cref="YoloV3Loss.Forward"/>: the total with autograd, its four parts, and per-scale values.</summary>
/// <remarks>
/// Every tensor is a scalar of the raw outputs' dtype and carries its own backward, so <c>Total.Backward()</c>
/// trains on the whole loss and e.g. <c>Conf.Backward()</c> on one part. <see cref="Total"/> is not computed as the
/// sum of the part tensors: its backward is a single fused pass over the raw outputs.
/// </remarks>
public sealed class YoloV3LossResult
{
    private readonly byte[][] _states;
    private readonly int[][] _dims;

    internal YoloV3LossResult(Tensor total, Tensor xy, Tensor wh, Tensor conf, Tensor @class,
        IReadOnlyList<YoloLossParts> scales, YoloTargets targets, byte[][] states, int[][] dims)
    {
        Total = total;
        XY = xy;
        WH = wh;
        Conf = conf;
        Class = @class;
        Scales = scales;
        Targets = targets;
        _states = states;
        _dims = dims;
    }

    /// <summary>loss_xy + loss_wh + loss_conf + loss_class, a scalar with autograd.</summary>
    public Tensor Total { get; }

    /// <summary>loss_xy: the centre-offset term, a scalar with autograd.</summary>
    public Tensor XY { get; }

    /// <summary>loss_wh: the log-size term, a scalar with autograd.</summary>
    public Tensor WH { get; }

    /// <summary>loss_conf: object and (not ignored) no-object BCE, a scalar with autograd.</summary>
    public Tensor Conf { get; }

    /// <summary>loss_class: per-class BCE at the assigned positions, a scalar with autograd.</summary>
    public Tensor Class { get; }

    /// <summary>The contribution of each scale, in the order of the raw outputs (their sum is the total).</summary>
    public IReadOnlyList<YoloLossParts> Scales { get; }

    /// <summary>The assigned positions and their targets.</summary>
    public YoloTargets Targets { get; }

    /// <summary>How many unassigned positions were ignored (best IoU ≥ the ignore threshold).</summary>
    public int IgnoredCount => _states.Sum(s => s.Count(v => v == YoloKernels.Ignored));

    /// <summary>The unassigned positions that the ignore mask removed, ordered by scale, image, anchor, row and column.</summary>
    public IReadOnlyList<YoloCell> IgnoredPositions()
    {
        var list = new List<YoloCell>();
        for (int s = 0; s < _states.Length; s++)
        {
            int anchors = _dims[s][1], h = _dims[s][2], w = _dims[s][3];
            var state = _states[s];
            for (int m = 0; m < state.Length; m++)
            {
                if (state[m] != YoloKernels.Ignored) continue;
                int p = m % (h * w), ba = m / (h * w);
                list.Add(new YoloCell(ba / anchors, s, ba % anchors, p / w, p % w));
            }
        }
        return list;
    }
}
