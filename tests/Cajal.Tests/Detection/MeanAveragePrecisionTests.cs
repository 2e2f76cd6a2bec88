using Cajal.Detection;

namespace Cajal.Tests.Detection;

public class MeanAveragePrecisionTests
{
    private static DetectedBox D(Box box, int cls, double score) => new(box, cls, score);

    private static GroundTruthBox T(Box box, int cls) => new(box.Cx, box.Cy, box.W, box.H, cls);

    [Fact]
    public void Average_precision_is_the_area_under_the_precision_envelope()
    {
        // Ranked TP, FP, TP, FP, TP with 3 objects: recall 1/3 1/3 2/3 2/3 1, precision 1 1/2 2/3 1/2 3/5.
        // Envelope 1 2/3 2/3 3/5 3/5, so AP = 1/3·1 + 1/3·2/3 + 1/3·3/5 = 34/45.
        double[] recall = [1 / 3.0, 1 / 3.0, 2 / 3.0, 2 / 3.0, 1];
        double[] precision = [1, 1 / 2.0, 2 / 3.0, 1 / 2.0, 3 / 5.0];

        Assert.Equal(34 / 45.0, MeanAveragePrecision.AveragePrecision(recall, precision), 14);
        Assert.Equal(0.0, MeanAveragePrecision.AveragePrecision([], []));
        // Recall stopping at 0.5 leaves the rest of the area at precision 0.
        Assert.Equal(0.5, MeanAveragePrecision.AveragePrecision([0.5], [1.0]), 15);
    }

    [Fact]
    public void Hand_ranked_detections_over_two_images_give_34_over_45()
    {
        Box a = new(0.2, 0.2, 0.2, 0.2), b = new(0.7, 0.7, 0.2, 0.2), c = new(0.3, 0.7, 0.2, 0.2), nowhere = new(0.9, 0.1, 0.1, 0.1);
        IReadOnlyList<GroundTruthBox>[] truths = [[T(a, 0), T(b, 0)], [T(c, 0)]];
        IReadOnlyList<DetectedBox>[] detections =
        [
            [D(a, 0, 0.9), D(nowhere, 0, 0.8), D(new Box(0.71, 0.7, 0.2, 0.2), 0, 0.5)],   // TP, FP, TP (IoU ≈ 0.9)
            [D(c, 0, 0.7), D(new Box(0.3, 0.71, 0.2, 0.2), 0, 0.6)],                       // TP, then a duplicate: FP
        ];

        var result = MeanAveragePrecision.Compute(detections, truths, classes: 1);

        Assert.Equal(34 / 45.0, result.ClassAp[0], 14);
        Assert.Equal(34 / 45.0, result.Map, 14);
        Assert.Equal([3], result.GroundTruthCounts);
        Assert.Equal([5], result.DetectionCounts);
    }

    [Fact]
    public void Perfect_detections_give_one_and_order_of_input_does_not_matter()
    {
        Box a = new(0.2, 0.2, 0.2, 0.2), b = new(0.7, 0.7, 0.3, 0.1);
        IReadOnlyList<GroundTruthBox>[] truths = [[T(a, 0), T(b, 1)]];

        Assert.Equal(1.0, MeanAveragePrecision.Compute([[D(b, 1, 0.3), D(a, 0, 0.6)]], truths, 2).Map);
        Assert.Equal(1.0, MeanAveragePrecision.Compute([[D(a, 0, 0.6), D(b, 1, 0.3)]], truths, 2).Map);
    }

    [Fact]
    public void Iou_of_exactly_the_threshold_matches_and_just_below_does_not()
    {
        var truth = new Box(0.5, 0.5, 0.5, 0.5);
        var half = new Box(0.5, 0.5, 0.5, 0.25);   // IoU exactly 0.5
        IReadOnlyList<GroundTruthBox>[] truths = [[T(truth, 0)]];

        Assert.Equal(1.0, MeanAveragePrecision.Compute([[D(half, 0, 0.9)]], truths, 1, iouThreshold: 0.5).Map);
        Assert.Equal(0.0, MeanAveragePrecision.Compute([[D(half, 0, 0.9)]], truths, 1, iouThreshold: Math.BitIncrement(0.5)).Map);
    }

    [Fact]
    public void Wrong_class_is_a_false_positive_and_a_class_without_truth_is_left_out_of_the_mean()
    {
        Box a = new(0.2, 0.2, 0.2, 0.2), b = new(0.7, 0.7, 0.2, 0.2);
        IReadOnlyList<GroundTruthBox>[] truths = [[T(a, 0), T(b, 1)]];
        // Class 0 found; class 1's object called class 2 (which has no truth); class 1 never found.
        IReadOnlyList<DetectedBox>[] detections = [[D(a, 0, 0.9), D(b, 2, 0.8)]];

        var result = MeanAveragePrecision.Compute(detections, truths, classes: 3);

        Assert.Equal(1.0, result.ClassAp[0]);
        Assert.Equal(0.0, result.ClassAp[1]);
        Assert.True(double.IsNaN(result.ClassAp[2]));
        Assert.Equal(0.5, result.Map);   // (1 + 0) / 2: class 2 is excluded
        Assert.Equal([1, 1, 0], result.GroundTruthCounts);
    }

    [Fact]
    public void A_detection_whose_best_object_is_taken_matches_the_best_unmatched_one()
    {
        // Two overlapping objects; 'exact' (0.9) takes a. 'between' overlaps a more (0.82) than b (0.67) but a is taken,
        // so it matches b: AP 1. (VOC's devkit would compare with a only and count a false positive: AP 0.5.)
        Box a = new(0.30, 0.5, 0.2, 0.2), b = new(0.36, 0.5, 0.2, 0.2), between = new(0.32, 0.5, 0.2, 0.2);
        Assert.True(Boxes.Iou(between, a) > Boxes.Iou(between, b) && Boxes.Iou(between, b) >= 0.5);
        IReadOnlyList<GroundTruthBox>[] truths = [[T(a, 0), T(b, 0)]];

        var result = MeanAveragePrecision.Compute([[D(between, 0, 0.8), D(a, 0, 0.9)]], truths, 1);

        Assert.Equal(1.0, result.Map, 15);
        // Without a second object the same detection is a duplicate: a false positive after a true one.
        var single = MeanAveragePrecision.Compute([[D(between, 0, 0.8), D(a, 0, 0.9)]], [[T(a, 0)]], 1);
        Assert.Equal(1.0, single.Map, 15);   // recall reached 1 at precision 1 first: the later FP costs nothing
        var lowerFirst = MeanAveragePrecision.Compute([[D(new Box(0.9, 0.9, 0.1, 0.1), 0, 0.95), D(a, 0, 0.9)]], [[T(a, 0)]], 1);
        Assert.Equal(0.5, lowerFirst.Map, 15);   // an FP ranked first halves the precision at recall 1
    }

    [Fact]
    public void No_detections_give_zero_and_no_truth_at_all_gives_nan()
    {
        IReadOnlyList<GroundTruthBox>[] truths = [[T(new Box(0.5, 0.5, 0.2, 0.2), 0)], []];
        Assert.Equal(0.0, MeanAveragePrecision.Compute([[], []], truths, 1).Map);
        Assert.True(double.IsNaN(MeanAveragePrecision.Compute([[D(new Box(0.5, 0.5, 0.2, 0.2), 0, 0.9)]], [[]], 1).Map));
    }

    [Fact]
    public void Bad_inputs_throw()
    {
        var box = new Box(0.5, 0.5, 0.2, 0.2);
        Assert.Throws<ArgumentException>(() => MeanAveragePrecision.Compute([[]], [[], []], 1));
        var e = Assert.Throws<ArgumentException>(() => MeanAveragePrecision.Compute([[D(box, 3, 0.5)]], [[]], 3));
        Assert.Contains("class 3", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MeanAveragePrecision.Compute([[]], [[T(box, -1)]], 3));
        Assert.Throws<ArgumentException>(() => MeanAveragePrecision.AveragePrecision([0.5, 0.4], [1, 1]));
        Assert.Throws<ArgumentException>(() => MeanAveragePrecision.AveragePrecision([0.5], [1, 1]));
    }
}
