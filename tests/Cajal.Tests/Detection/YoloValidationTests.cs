using Cajal.Detection;
using Cajal.Nn;

namespace Cajal.Tests.Detection;

public class YoloValidationTests
{
    private static readonly (double, double)[] Anchors = [(16, 16), (24, 24), (48, 48)];
    private static readonly GroundTruthBox Good = new(0.25, 0.75, 0.3125, 0.3125, 1);

    private static Tensor Raw(int n = 1, int channels = 21, int h = 2, int w = 2, DType dtype = DType.Float64) =>
        Tensor.Zeros([n, channels, h, w], dtype);

    private static ArgumentException Fails(Action action, params string[] fragments)
    {
        var e = Assert.ThrowsAny<ArgumentException>(action);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
        return e;
    }

    private static void Loss(IReadOnlyList<Tensor>? raws = null, IReadOnlyList<(double, double)>? anchors = null, int[][]? masks = null,
        double inputW = 64, double inputH = 64, int classes = 2, GroundTruthBox[][]? boxes = null,
        YoloVariant variant = YoloVariant.Keras, double tau = 0.5) =>
        Functional.YoloV3Loss(raws ?? [Raw()], anchors ?? Anchors, masks ?? [[0, 1, 2]], inputW, inputH, classes,
            boxes ?? [[Good]], variant, tau);

    [Fact]
    public void Masks_must_match_the_outputs_and_hold_distinct_valid_anchor_indices()
    {
        Fails(() => Loss(masks: [[0, 1, 2], [0]]), "YoloV3Loss", "1 raw output tensors but 2 anchor masks");
        Fails(() => Loss(masks: [[]]), "YoloV3Loss", "mask of scale 0 is empty");
        Fails(() => Loss(masks: [[0, 1, 1]]), "mask of scale 0 holds anchor index 1 twice");
        Fails(() => Loss(masks: [[0, 1, 3]]), "anchor index 3 at position 2, outside [0, 3)");
        Fails(() => Loss(masks: [[-1, 1, 2]]), "anchor index -1");
    }

    [Fact]
    public void Outputs_must_agree_on_the_batch_have_the_right_channels_and_a_non_empty_grid()
    {
        Fails(() => Loss(raws: [Raw(channels: 20)]), "scale 0 has 20 channels", "(1, 20, 2, 2)", "3*(5+2) = 21");
        Fails(() => Loss(raws: [Raw(h: 0)]), "scale 0 has an empty grid", "(1, 21, 0, 2)");
        Fails(() => Loss(raws: [Raw(n: 0)], boxes: []), "batch size 0");
        Fails(() => Loss(raws: [Raw(), Raw(n: 2, channels: 7)], masks: [[1, 2], [0]]), "scale 0 has 21 channels", "2*(5+2) = 14");
        Fails(() => Loss(raws: [Raw(channels: 14), Raw(n: 2, channels: 7)], masks: [[1, 2], [0]]), "scale 1 has batch size 2", "scale 0 has 1");
        Fails(() => Loss(raws: [Tensor.Zeros([1, 21, 4])]), "must be (N, 21, H, W)");
        Fails(() => Loss(raws: [Raw(channels: 14), Raw(channels: 7, dtype: DType.Float32)], masks: [[1, 2], [0]]), "scale 1 is Float32");
        Fails(() => Loss(raws: [Tensor.Zeros([1, 21, 2, 2], DType.Int64)]), "Float32 or Float64");
    }

    [Fact]
    public void Configuration_values_are_checked()
    {
        Fails(() => Loss(classes: 0), "numClasses must be at least 1, got 0");
        Fails(() => Loss(inputW: 0), "inputWidth must be finite and > 0, got 0");
        Fails(() => Loss(inputH: double.NaN), "inputHeight");
        Fails(() => Loss(anchors: [(16, 16), (0, 24), (48, 48)]), "anchor 1 is (0, 24)");
        Fails(() => Loss(anchors: [(16, 16), (24, double.PositiveInfinity), (48, 48)]), "anchor 1");
        Fails(() => Loss(anchors: []), "anchors is empty");
        Fails(() => Loss(tau: 1.5), "ignoreThreshold must be in [0, 1], got 1.5");
        Fails(() => Loss(tau: double.NaN), "ignoreThreshold");
        Fails(() => Loss(variant: (YoloVariant)7), "unknown variant 7");
        Fails(() => _ = new YoloV3Loss(Anchors, [[0, 5]], 64, 64, 2), "YoloV3Loss", "anchor index 5");
    }

    [Fact]
    public void There_must_be_one_box_list_per_image()
    {
        Fails(() => Loss(boxes: []), "boxes holds 0 lists but the batch has 1 images");
        Fails(() => Loss(boxes: [[Good], []]), "boxes holds 2 lists");
    }

    [Theory]
    [InlineData(double.NaN, 0.5, 0.2, 0.2, 0, "is not finite")]
    [InlineData(0.5, 0.5, double.PositiveInfinity, 0.2, 0, "is not finite")]
    [InlineData(1.01, 0.5, 0.2, 0.2, 0, "cx = 1.01 outside [0, 1]")]
    [InlineData(0.5, -0.1, 0.2, 0.2, 0, "cy = -0.1 outside [0, 1]")]
    [InlineData(0.5, 0.5, 0.0, 0.2, 0, "w = 0 outside (0, 1]; zero-area boxes")]
    [InlineData(0.5, 0.5, 0.2, 1.5, 0, "h = 1.5 outside (0, 1]")]
    [InlineData(0.5, 0.5, 0.2, -0.2, 0, "h = -0.2")]
    [InlineData(0.5, 0.5, 0.2, 0.2, 2, "class 2 outside [0, 2)")]
    [InlineData(0.5, 0.5, 0.2, 0.2, -1, "class -1")]
    public void Bad_boxes_are_rejected_naming_the_image_the_box_and_the_value(double cx, double cy, double w, double h, int cls, string what)
    {
        var bad = new GroundTruthBox(cx, cy, w, h, cls);
        var e = Fails(() => Loss(raws: [Raw(n: 2)], boxes: [[], [Good, bad]]), "YoloV3Loss: box 1 of image 1", what);
        Assert.Equal("boxes", e.ParamName);
        Fails(() => YoloTargets.Build([(2, 2)], Anchors, [[0, 1, 2]], 64, 64, 2, [[], [Good, bad]]), "YoloTargets.Build: box 1 of image 1", what);
    }

    [Fact]
    public void Target_building_checks_its_grids()
    {
        Fails(() => YoloTargets.Build([(2, 0)], Anchors, [[0, 1, 2]], 64, 64, 2, [[Good]]), "grid of scale 0 is 2x0");
        Fails(() => YoloTargets.Build([(2, 2), (4, 4)], Anchors, [[0, 1, 2]], 64, 64, 2, [[Good]]), "2 grids but 1 masks");
    }
}
