using Cajal.Detection;

namespace Cajal.Tests.Detection;

public class YoloTargetsTests
{
    private static readonly (double, double)[] Anchors64 = [(16, 16), (24, 24), (48, 48)];

    private static YoloTargets Build(IReadOnlyList<(int, int)> grids, IReadOnlyList<(double, double)> anchors, int[][] masks,
        params GroundTruthBox[][] images) =>
        YoloTargets.Build(grids, anchors, masks, 64, 64, 3, images);

    [Fact]
    public void The_worked_example_assigns_anchor_one_in_column_zero_row_one()
    {
        var t = Build([(2, 2)], Anchors64, [[0, 1, 2]], [new GroundTruthBox(0.25, 0.75, 0.3125, 0.3125, 1)]);
        var p = Assert.Single(t.Positives);
        Assert.Equal((0, 0, 1, 1, 0, 1, 0), (p.Image, p.Scale, p.Anchor, p.AnchorGlobal, p.CellX, p.CellY, p.Box));
        Assert.Equal(0.5, p.Gx);
        Assert.Equal(0.5, p.Gy);
        Assert.Equal(Math.Log(20.0 / 24.0), p.Gw, 15);
        Assert.Equal(Math.Log(20.0 / 24.0), p.Gh, 15);
        Assert.Equal(1.90234375, p.Lambda);
        Assert.Equal([1], p.Classes);
    }

    [Fact]
    public void Best_anchor_is_chosen_over_all_anchors_by_shape_iou_and_a_tie_goes_to_the_lowest_index()
    {
        // 20x20 px: IoUs 0.64, 0.694, 0.174 → anchor 1.
        Assert.Equal(1, YoloTargets.BestAnchor(20.0 / 64, 20.0 / 64, Anchors64, 64, 64));
        // Two identical anchors tie exactly: the lower index wins.
        Assert.Equal(1, YoloTargets.BestAnchor(0.5, 0.5, [(8, 8), (32, 32), (32, 32)], 64, 64));
        // 10x40 vs 20x20 and 40x10 (both IoU 200/(400+400-200) = 1/3... symmetric tie): the lower index wins.
        Assert.Equal(0, YoloTargets.BestAnchor(0.25, 0.25, [(8, 32), (32, 8)], 64, 64));
        // Not per scale: a box whose best anchor sits on another scale is not assigned on this one.
        var t = Build([(2, 2), (4, 4)], Anchors64, [[2], [0, 1]], [new GroundTruthBox(0.5, 0.5, 0.3125, 0.3125, 0)]);
        var p = Assert.Single(t.Positives);
        Assert.Equal((1, 1, 1), (p.Scale, p.Anchor, p.AnchorGlobal));
    }

    [Theory]
    [InlineData(3, 1.0, 1.0, 2, 2, 1.0, 1.0)]          // cx = 1 clamps to the last column with g = 1
    [InlineData(3, 0.0, 0.0, 0, 0, 0.0, 0.0)]          // cx = 0 is a normal box in column 0 with g = 0
    [InlineData(4, 0.5, 0.25, 2, 1, 0.0, 0.0)]         // inner cell edges go to the right/bottom cell with offset 0
    [InlineData(3, 2.0 / 3, 0.999, 2, 2, 0.0, 0.997)]
    public void Cells_use_floor_with_a_clamp_at_one(int grid, double cx, double cy, int i, int j, double gx, double gy)
    {
        var t = Build([(grid, grid)], Anchors64, [[0, 1, 2]], [new GroundTruthBox(cx, cy, 0.3125, 0.3125, 0)]);
        var p = Assert.Single(t.Positives);
        Assert.Equal((i, j), (p.CellX, p.CellY));
        Assert.Equal(gx, p.Gx, 12);
        Assert.Equal(gy, p.Gy, 12);
    }

    [Fact]
    public void The_cell_product_is_floored_in_float64()
    {
        // 0.7 * 10 = 7.000000000000001 in float64 (cell 7); a float32 product would round differently for some inputs.
        var t = YoloTargets.Build([(10, 10)], Anchors64, [[0, 1, 2]], 64, 64, 1, [[new GroundTruthBox(0.7, 0.29, 0.3, 0.3, 0)]]);
        var p = Assert.Single(t.Positives);
        Assert.Equal((int)Math.Floor(0.7 * 10), p.CellX);
        Assert.Equal((int)Math.Floor(0.29 * 10), p.CellY);
        Assert.Equal(0.7 * 10 - p.CellX, p.Gx);
    }

    [Fact]
    public void A_collision_keeps_the_last_box_coordinates_and_the_union_of_classes()
    {
        var first = new GroundTruthBox(0.30, 0.30, 0.34, 0.34, 2);
        var second = new GroundTruthBox(0.40, 0.45, 0.35, 0.35, 0);   // same cell (0,0) of a 2x2 grid and same best anchor
        var t = Build([(2, 2)], Anchors64, [[0, 1, 2]], [first, second]);
        var p = Assert.Single(t.Positives);
        Assert.Equal(1, p.Box);
        Assert.Equal(0.40 * 2, p.Gx, 15);
        Assert.Equal(0.45 * 2, p.Gy, 15);
        Assert.Equal(Math.Log(0.35 * 64 / 24), p.Gw, 15);
        Assert.Equal(2 - 0.35 * 0.35, p.Lambda, 15);
        Assert.Equal([0, 2], p.Classes);
    }

    [Fact]
    public void Overlapping_masks_give_one_positive_per_scale_and_a_box_outside_every_mask_gives_none()
    {
        (double, double)[] anchors = [(4, 4), (12, 12), (30, 30), (60, 60)];
        var t = Build([(2, 2), (4, 4)], anchors, [[2, 3], [1, 2]],
            [new GroundTruthBox(0.6, 0.6, 30.0 / 64, 30.0 / 64, 1), new GroundTruthBox(0.2, 0.2, 4.0 / 64, 4.0 / 64, 0)]);
        Assert.Equal(2, t.Positives.Count);   // the 30 px box on both scales; the 4 px box (anchor 0) nowhere
        Assert.Equal((0, 0, 1, 1), (t.Positives[0].Scale, t.Positives[0].Anchor, t.Positives[0].CellX, t.Positives[0].CellY));   // anchor 2 is local 0 of [2, 3]
        Assert.Equal((1, 1, 2, 2), (t.Positives[1].Scale, t.Positives[1].Anchor, t.Positives[1].CellX, t.Positives[1].CellY));
        Assert.All(t.Positives, p => Assert.Equal(0, p.Box));
    }

    [Fact]
    public void Positives_are_ordered_by_scale_image_anchor_row_and_column()
    {
        var t = Build([(4, 4), (2, 2)], Anchors64, [[0, 1], [2]],
            [new GroundTruthBox(0.9, 0.9, 0.25, 0.25, 0), new GroundTruthBox(0.1, 0.1, 0.3125, 0.3125, 0)],
            [new GroundTruthBox(0.5, 0.1, 0.75, 0.75, 1), new GroundTruthBox(0.1, 0.6, 0.25, 0.25, 2)]);
        var keys = t.Positives.Select(p => (p.Scale, p.Image, p.Anchor, p.CellY, p.CellX)).ToList();
        Assert.Equal(keys.Order().ToList(), keys);
        Assert.Equal(4, keys.Count);
        Assert.Equal(2, t.BatchSize);
    }
}
