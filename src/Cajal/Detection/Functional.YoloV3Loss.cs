using Cajal.Detection;

namespace Cajal.Nn;

public static partial class Functional
{
    /// <summary>The YOLOv3 detection loss of raw multi-scale outputs against ground-truth boxes (spec <c>specs/yolov3-loss.md</c>).</summary>
    /// <remarks>
    /// Shape: outputs[s] (N, A_s·(5+C), H_s, W_s), Float32 or Float64 (one dtype), NCHW with channel a·(5+C) + k,
    /// k = t_x, t_y, t_w, t_h, t_obj, class logits; boxes: N lists; results are scalars. The formula, targets and ignore
    /// mask are those of <see cref="Detection.YoloV3Loss"/>; every part is summed over scales and positions and divided by N.
    /// </remarks>
    /// <param name="outputs">The raw network outputs, one per scale, in the order of <paramref name="masks"/>.</param>
    /// <param name="anchors">The K anchors (width, height) in input pixels.</param>
    /// <param name="masks">Per scale, the global indices of its anchors.</param>
    /// <param name="inputWidth">The network input width in pixels.</param>
    /// <param name="inputHeight">The network input height in pixels.</param>
    /// <param name="numClasses">The number of classes C.</param>
    /// <param name="boxes">One list per image (possibly empty) of boxes normalised to [0, 1].</param>
    /// <param name="variant">The loss_xy form.</param>
    /// <param name="ignoreThreshold">τ in [0, 1] of the no-object ignore mask.</param>
    /// <exception cref="ArgumentException">Any argument breaks spec section 9; the message names the scale, shape, box or value.</exception>
    public static YoloV3LossResult YoloV3Loss(IReadOnlyList<Tensor> outputs, IReadOnlyList<(double Width, double Height)> anchors,
        IReadOnlyList<IReadOnlyList<int>> masks, double inputWidth, double inputHeight, int numClasses,
        IReadOnlyList<IReadOnlyList<GroundTruthBox>> boxes, YoloVariant variant = YoloVariant.Keras, double ignoreThreshold = 0.5) =>
        Detection.YoloV3Loss.Compute(outputs, anchors, masks, inputWidth, inputHeight, numClasses, boxes, variant, ignoreThreshold,
            nameof(YoloV3Loss), configurationChecked: false);
}
