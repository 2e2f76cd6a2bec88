using System.Globalization;
using Cajal.Kernels;

namespace Cajal.Detection;

/// <summary>The YOLOv3 detection loss (keras-yolo3 / darknet), as specified in <c>specs/yolov3-loss.md</c>: <see cref="Nn.Functional.YoloV3Loss"/> with its configuration fixed.</summary>
/// <remarks>
/// <para>Shape: outputs[s] (N, A_s·(5+C), H_s, W_s), raw and unactivated, channel a·(5+C) + k with k = t_x, t_y, t_w, t_h,
/// t_obj, then C class logits; boxes: N lists of <see cref="GroundTruthBox"/>; every result tensor is a scalar.</para>
/// <para>loss = (1/N)·Σ_s [xy + wh + conf + class] with, at the assigned positions P (see <see cref="YoloTargets"/>),
/// xy = Σ_P λ·[BCE(g_x, z_x) + BCE(g_y, z_y)] (<see cref="YoloVariant.Keras"/>) or Σ_P λ·½·[(σ(z_x) − g_x)² + (σ(z_y) − g_y)²]
/// (<see cref="YoloVariant.Darknet"/>), wh = Σ_P λ·½·[(z_w − g_w)² + (z_h − g_h)²], class = Σ_P Σ_c BCE(y_c, z_c), and
/// conf = Σ_P BCE(1, z_obj) + Σ_U ν·BCE(0, z_obj) over the unassigned positions U, where ν = 0 when the decoded prediction
/// has IoU ≥ τ with any ground-truth box of its image. λ = 2 − w·h; BCE(g, x) = max(x, 0) − x·g + ln(1 + e^−|x|).
/// Targets, λ and ν are constants for the gradient (spec section 8).</para>
/// </remarks>
public sealed class YoloV3Loss
{
    private readonly (double Width, double Height)[] _anchors;
    private readonly int[][] _masks;

    /// <summary>Creates the loss and checks its configuration.</summary>
    /// <param name="anchors">The K anchors (width, height) in input pixels.</param>
    /// <param name="masks">Per scale, the global indices of its anchors (distinct, in [0, K)), in the order of the outputs.</param>
    /// <param name="inputWidth">The network input width in pixels.</param>
    /// <param name="inputHeight">The network input height in pixels.</param>
    /// <param name="numClasses">The number of classes C ≥ 1.</param>
    /// <param name="variant">The loss_xy form.</param>
    /// <param name="ignoreThreshold">τ in [0, 1]: an unassigned prediction with IoU ≥ τ against a ground-truth box gets no no-object term.</param>
    /// <exception cref="ArgumentException">The configuration breaks spec section 9; the message names the bad value.</exception>
    public YoloV3Loss(IReadOnlyList<(double Width, double Height)> anchors, IReadOnlyList<IReadOnlyList<int>> masks,
        double inputWidth, double inputHeight, int numClasses, YoloVariant variant = YoloVariant.Keras, double ignoreThreshold = 0.5)
    {
        YoloValidation.Configuration(anchors, masks, inputWidth, inputHeight, numClasses, variant, ignoreThreshold, nameof(YoloV3Loss));
        _anchors = [.. anchors];
        _masks = [.. masks.Select(m => m.ToArray())];
        InputWidth = inputWidth;
        InputHeight = inputHeight;
        NumClasses = numClasses;
        Variant = variant;
        IgnoreThreshold = ignoreThreshold;
    }

    /// <summary>The anchors (width, height) in input pixels.</summary>
    public IReadOnlyList<(double Width, double Height)> Anchors => _anchors;

    /// <summary>The anchor mask of every scale.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Masks => _masks;

    /// <summary>The network input width in pixels.</summary>
    public double InputWidth { get; }

    /// <summary>The network input height in pixels.</summary>
    public double InputHeight { get; }

    /// <summary>The number of classes C.</summary>
    public int NumClasses { get; }

    /// <summary>The loss_xy form.</summary>
    public YoloVariant Variant { get; }

    /// <summary>The ignore threshold τ.</summary>
    public double IgnoreThreshold { get; }

    /// <summary>Computes the loss of the raw outputs (one tensor per scale) against the ground-truth boxes of each image.</summary>
    /// <exception cref="ArgumentException">Shapes, dtypes or boxes break spec section 9; the message names the scale, shape or box.</exception>
    public YoloV3LossResult Forward(IReadOnlyList<Tensor> outputs, IReadOnlyList<IReadOnlyList<GroundTruthBox>> boxes) =>
        Compute(outputs, _anchors, _masks, InputWidth, InputHeight, NumClasses, boxes, Variant, IgnoreThreshold, nameof(YoloV3Loss), configurationChecked: true);

    /// <summary>The configuration, e.g. <c>YoloV3Loss(anchors: 6, scales: 2, input: 96x96, classes: 3, variant: Keras, ignoreThreshold: 0.5)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"YoloV3Loss(anchors: {_anchors.Length}, scales: {_masks.Length}, input: {InputWidth}x{InputHeight}, classes: {NumClasses}, variant: {Variant}, ignoreThreshold: {IgnoreThreshold})");

    /// <summary>Validates, assigns targets, runs the fused kernel per scale and records one backward per result tensor.</summary>
    internal static YoloV3LossResult Compute(IReadOnlyList<Tensor> outputs, IReadOnlyList<(double Width, double Height)> anchors,
        IReadOnlyList<IReadOnlyList<int>> masks, double inputWidth, double inputHeight, int numClasses,
        IReadOnlyList<IReadOnlyList<GroundTruthBox>> boxes, YoloVariant variant, double ignoreThreshold, string op, bool configurationChecked)
    {
        if (!configurationChecked)
            YoloValidation.Configuration(anchors, masks, inputWidth, inputHeight, numClasses, variant, ignoreThreshold, op);
        var (grids, n) = YoloValidation.Outputs(outputs, masks, numClasses, op);
        YoloValidation.Boxes(boxes, n, numClasses, op);
        var targets = YoloTargets.BuildChecked(grids, anchors, masks, inputWidth, inputHeight, boxes);

        // Every box of every image, for the ignore test.
        var truthStart = new int[n + 1];
        for (int b = 0; b < n; b++) truthStart[b + 1] = truthStart[b] + boxes[b].Count;
        var truths = new double[4 * truthStart[n]];
        for (int b = 0, t = 0; b < n; b++)
            foreach (var box in boxes[b])
            {
                truths[t++] = box.Cx; truths[t++] = box.Cy; truths[t++] = box.W; truths[t++] = box.H;
            }

        int scales = outputs.Count;
        var dtype = outputs[0].DType;
        var raws = new Tensor[scales];
        var plans = new ScalePlan[scales];
        var states = new byte[scales][];
        var dims = new int[scales][];
        var perScale = new YoloLossParts[scales];
        var total = new double[4];
        bool darknet = variant == YoloVariant.Darknet;
        for (int s = 0; s < scales; s++)
        {
            raws[s] = outputs[s].Detach().Contiguous();
            var (h, w) = grids[s];
            int a = masks[s].Count;
            dims[s] = [n, a, h, w];
            plans[s] = ScalePlan.Create(targets.Positives, s, a, h, w, numClasses);
            states[s] = new byte[n * a * h * w];
            var scaleAnchors = new double[2 * a];
            for (int k = 0; k < a; k++)
            {
                scaleAnchors[2 * k] = anchors[masks[s][k]].Width / inputWidth;
                scaleAnchors[2 * k + 1] = anchors[masks[s][k]].Height / inputHeight;
            }
            var sums = new double[4];
            var p = plans[s];
            if (dtype == DType.Float32)
                YoloKernels.Forward<float>(raws[s].Span<float>(), n, a, numClasses, h, w, scaleAnchors, truths, truthStart,
                    p.Positions, p.Targets, p.Classes, darknet, ignoreThreshold, states[s], sums);
            else
                YoloKernels.Forward<double>(raws[s].Span<double>(), n, a, numClasses, h, w, scaleAnchors, truths, truthStart,
                    p.Positions, p.Targets, p.Classes, darknet, ignoreThreshold, states[s], sums);
            perScale[s] = new YoloLossParts(sums[0] / n, sums[1] / n, sums[2] / n, sums[3] / n);
            for (int k = 0; k < 4; k++) total[k] += sums[k];
        }

        Tensor Scalar(double value, string name, int parts) =>
            Autograd.Record(Tensor.Scalar(value, dtype), name, [.. outputs], g =>
            {
                double factor = g.Item() / n;
                var grads = new Tensor?[scales];
                for (int s = 0; s < scales; s++)
                {
                    if (!outputs[s].RequiresGrad) continue;
                    var grad = Tensor.Zeros(outputs[s].Shape.ToArray(), dtype);
                    var p = plans[s];
                    var d = dims[s];
                    if (dtype == DType.Float32)
                        YoloKernels.Backward<float>(raws[s].Span<float>(), grad.Span<float>(), d[0], d[1], numClasses, d[2], d[3],
                            states[s], p.Positions, p.Targets, p.Classes, darknet, factor, parts);
                    else
                        YoloKernels.Backward<double>(raws[s].Span<double>(), grad.Span<double>(), d[0], d[1], numClasses, d[2], d[3],
                            states[s], p.Positions, p.Targets, p.Classes, darknet, factor, parts);
                    grads[s] = grad;
                }
                return grads;
            });

        double xy = total[0] / n, wh = total[1] / n, conf = total[2] / n, cls = total[3] / n;
        return new YoloV3LossResult(
            Scalar(xy + wh + conf + cls, "YoloV3Loss", YoloKernels.AllParts),
            Scalar(xy, "YoloV3Loss.XY", YoloKernels.PartXY),
            Scalar(wh, "YoloV3Loss.WH", YoloKernels.PartWH),
            Scalar(conf, "YoloV3Loss.Conf", YoloKernels.PartConf),
            Scalar(cls, "YoloV3Loss.Class", YoloKernels.PartClass),
            perScale, targets, states, dims);
    }

    /// <summary>The positives of one scale in the kernel's flat form.</summary>
    private sealed record ScalePlan(int[] Positions, double[] Targets, double[] Classes)
    {
        public static ScalePlan Create(IReadOnlyList<YoloPositive> all, int scale, int anchorCount, int h, int w, int classes)
        {
            var mine = all.Where(p => p.Scale == scale).ToArray();
            var positions = new int[mine.Length];
            var targets = new double[5 * mine.Length];
            var multiHot = new double[classes * mine.Length];
            for (int q = 0; q < mine.Length; q++)
            {
                var p = mine[q];
                positions[q] = ((p.Image * anchorCount + p.Anchor) * h + p.CellY) * w + p.CellX;
                targets[5 * q] = p.Gx; targets[5 * q + 1] = p.Gy; targets[5 * q + 2] = p.Gw; targets[5 * q + 3] = p.Gh; targets[5 * q + 4] = p.Lambda;
                foreach (int c in p.Classes) multiHot[classes * q + c] = 1;
            }
            return new ScalePlan(positions, targets, multiHot);
        }
    }
}
