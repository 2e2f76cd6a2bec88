using Cajal.Detection;

namespace Cajal.Tests.Detection;

public class BoxesTests
{
    [Fact]
    public void Identical_boxes_have_iou_one_and_disjoint_boxes_zero()
    {
        var a = new Box(0.3, 0.4, 0.2, 0.1);
        Assert.Equal(1.0, Boxes.Iou(a, a), 15);
        Assert.Equal(0.0, Boxes.Iou(a, new Box(0.8, 0.8, 0.1, 0.1)));
        Assert.Equal(0.0, Boxes.Iou(new Box(0, 0, 1, 1), new Box(1, 0, 1, 1)));   // touching edges: no overlap
    }

    [Fact]
    public void Iou_matches_a_hand_computed_overlap()
    {
        // [0,2]x[0,2] and [1,3]x[1,3]: inter 1, union 4 + 4 - 1 = 7.
        Assert.Equal(1.0 / 7.0, Boxes.Iou(new Box(1, 1, 2, 2), new Box(2, 2, 2, 2)), 15);
        Assert.Equal(1.0 / 7.0, Boxes.IouCorners(0, 0, 2, 2, 1, 1, 3, 3), 15);
        // Spec section 11: a 16x16 box inside a 20x20 box with the same centre.
        Assert.Equal(0.64, Boxes.Iou(new Box(0.25, 0.75, 0.25, 0.25), new Box(0.25, 0.75, 0.3125, 0.3125)), 15);
    }

    [Fact]
    public void Corner_and_centre_forms_agree_on_random_boxes()
    {
        var rng = new Random(7);
        for (int k = 0; k < 200; k++)
        {
            var a = new Box(rng.NextDouble(), rng.NextDouble(), 0.01 + rng.NextDouble() * 0.5, 0.01 + rng.NextDouble() * 0.5);
            var b = new Box(rng.NextDouble(), rng.NextDouble(), 0.01 + rng.NextDouble() * 0.5, 0.01 + rng.NextDouble() * 0.5);
            var (ax1, ay1, ax2, ay2) = a.ToCorners();
            var (bx1, by1, bx2, by2) = b.ToCorners();
            Assert.Equal(Boxes.Iou(a, b), Boxes.IouCorners(ax1, ay1, ax2, ay2, bx1, by1, bx2, by2), 12);
            Assert.Equal(Boxes.Iou(a, b), Boxes.Iou(b, a), 15);
            var back = Box.FromCorners(ax1, ay1, ax2, ay2);
            Assert.Equal(a.Cx, back.Cx, 12);
            Assert.Equal(a.W, back.W, 12);
        }
    }

    [Fact]
    public void Zero_area_boxes_give_zero_not_nan()
    {
        var p = new Box(0.5, 0.5, 0, 0);
        Assert.Equal(0.0, Boxes.Iou(p, p));
    }

    [Theory]
    [InlineData(BoxFormat.CenterSize, DType.Float64)]
    [InlineData(BoxFormat.Corners, DType.Float64)]
    [InlineData(BoxFormat.CenterSize, DType.Float32)]
    public void Pairwise_matrix_matches_the_scalar_iou(BoxFormat format, DType dtype)
    {
        var rng = new Random(3);
        double[] a = new double[3 * 4], b = new double[5 * 4];
        foreach (var arr in new[] { a, b })
            for (int r = 0; r < arr.Length / 4; r++)
            {
                double cx = rng.NextDouble(), cy = rng.NextDouble(), w = 0.05 + rng.NextDouble() * 0.6, h = 0.05 + rng.NextDouble() * 0.6;
                if (format == BoxFormat.CenterSize) { arr[4 * r] = cx; arr[4 * r + 1] = cy; arr[4 * r + 2] = w; arr[4 * r + 3] = h; }
                else { arr[4 * r] = cx - w / 2; arr[4 * r + 1] = cy - h / 2; arr[4 * r + 2] = cx + w / 2; arr[4 * r + 3] = cy + h / 2; }
            }
        var ta = Tensor.FromArray(a, 3, 4).To(dtype);
        var tb = Tensor.FromArray(b, 5, 4).To(dtype);
        var m = Boxes.PairwiseIou(ta, tb, format);
        Assert.Equal(new Shape(3, 5), m.Shape);
        Assert.Equal(dtype, m.DType);
        var av = ta.ToDoubleArray();
        var bv = tb.ToDoubleArray();
        var mv = m.ToDoubleArray();
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 5; j++)
            {
                double expected = format == BoxFormat.CenterSize
                    ? Boxes.Iou(new Box(av[4 * i], av[4 * i + 1], av[4 * i + 2], av[4 * i + 3]), new Box(bv[4 * j], bv[4 * j + 1], bv[4 * j + 2], bv[4 * j + 3]))
                    : Boxes.IouCorners(av[4 * i], av[4 * i + 1], av[4 * i + 2], av[4 * i + 3], bv[4 * j], bv[4 * j + 1], bv[4 * j + 2], bv[4 * j + 3]);
                Assert.Equal(expected, mv[i * 5 + j], dtype == DType.Float32 ? 6 : 15);
            }
    }

    [Fact]
    public void Pairwise_iou_handles_empty_sets_and_rejects_bad_shapes()
    {
        var empty = Tensor.Zeros([0, 4], DType.Float64);
        var one = Tensor.FromArray(new double[] { 0.5, 0.5, 0.2, 0.2 }, 1, 4);
        Assert.Equal(new Shape(0, 1), Boxes.PairwiseIou(empty, one).Shape);
        Assert.Equal(new Shape(1, 0), Boxes.PairwiseIou(one, empty).Shape);
        var e1 = Assert.Throws<ArgumentException>(() => Boxes.PairwiseIou(Tensor.Zeros([2, 3], DType.Float64), one));
        Assert.Contains("PairwiseIou: a must have shape (count, 4), got (2, 3)", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Boxes.PairwiseIou(one, one.To(DType.Float32)));
        Assert.Contains("PairwiseIou", e2.Message);
    }
}
