using Cajal.Detection;

namespace Cajal.Tests.Detection;

public class NmsTests
{
    private static DetectedBox D(double cx, double cy, double w, double h, int cls, double score) => new(new Box(cx, cy, w, h), cls, score);

    [Fact]
    public void Overlapping_box_of_the_same_class_is_suppressed_and_the_rest_sorted_by_score()
    {
        var kept = NonMaxSuppression.Apply(
        [
            D(0.30, 0.30, 0.2, 0.2, 0, 0.6),
            D(0.31, 0.30, 0.2, 0.2, 0, 0.9),   // IoU with the first ≈ 0.9: the first goes
            D(0.80, 0.80, 0.1, 0.1, 0, 0.7),   // far away: stays
        ], iouThreshold: 0.45);

        Assert.Equal([0.9, 0.7], kept.Select(d => d.Score));
    }

    [Fact]
    public void Boxes_of_different_classes_do_not_suppress_each_other()
    {
        var kept = NonMaxSuppression.Apply([D(0.5, 0.5, 0.2, 0.2, 0, 0.9), D(0.5, 0.5, 0.2, 0.2, 1, 0.8), D(0.5, 0.5, 0.2, 0.2, 1, 0.7)], 0.5);

        Assert.Equal([(0, 0.9), (1, 0.8)], kept.Select(d => (d.Class, d.Score)));
    }

    [Fact]
    public void Iou_equal_to_the_threshold_keeps_both_and_just_above_suppresses()
    {
        // A 0.5×0.25 box inside a 0.5×0.5 box with the same centre: IoU exactly 0.5 in binary floating point.
        var big = D(0.5, 0.5, 0.5, 0.5, 2, 0.9);
        var half = D(0.5, 0.5, 0.5, 0.25, 2, 0.8);
        Assert.Equal(0.5, Boxes.Iou(big.Box, half.Box));

        Assert.Equal(2, NonMaxSuppression.Apply([big, half], 0.5).Count);
        Assert.Single(NonMaxSuppression.Apply([big, half], Math.BitDecrement(0.5)));
    }

    [Fact]
    public void Equal_scores_keep_their_input_order()
    {
        var first = D(0.2, 0.2, 0.1, 0.1, 0, 0.5);
        var second = D(0.21, 0.2, 0.1, 0.1, 0, 0.5);   // overlaps the first
        var third = D(0.7, 0.7, 0.1, 0.1, 0, 0.5);

        Assert.Equal([first, third], NonMaxSuppression.Apply([first, second, third], 0.3));
        Assert.Equal([second, third], NonMaxSuppression.Apply([second, first, third], 0.3));
    }

    [Fact]
    public void A_suppressed_box_suppresses_nothing()
    {
        // a overlaps b, b overlaps c, a does not overlap c: greedy keeps a and c.
        var a = D(0.20, 0.5, 0.2, 0.2, 0, 0.9);
        var b = D(0.30, 0.5, 0.2, 0.2, 0, 0.8);
        var c = D(0.40, 0.5, 0.2, 0.2, 0, 0.7);
        Assert.True(Boxes.Iou(a.Box, b.Box) > 0.3 && Boxes.Iou(b.Box, c.Box) > 0.3 && Boxes.Iou(a.Box, c.Box) == 0);

        Assert.Equal([a, c], NonMaxSuppression.Apply([c, b, a], 0.3));
    }

    [Fact]
    public void Max_detections_keeps_the_best_and_empty_input_gives_empty_output()
    {
        var many = Enumerable.Range(0, 10).Select(i => D(0.05 + 0.09 * i, 0.5, 0.05, 0.05, 0, i / 10.0)).ToList();

        Assert.Equal([0.9, 0.8, 0.7], NonMaxSuppression.Apply(many, 0.5, maxDetections: 3).Select(d => d.Score));
        Assert.Empty(NonMaxSuppression.Apply([], 0.5));
    }

    [Fact]
    public void Bad_arguments_throw_naming_the_value()
    {
        var e = Assert.Throws<ArgumentException>(() => NonMaxSuppression.Apply([], 1.5));
        Assert.Contains("1.5", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => NonMaxSuppression.Apply([D(0.5, 0.5, 0.1, 0.1, 0, double.NaN)], 0.5));
        Assert.Throws<ArgumentException>(() => NonMaxSuppression.Apply([], 0.5, maxDetections: -1));
    }
}
