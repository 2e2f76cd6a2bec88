using Cajal.Detection;

namespace Cajal.Tests.Detection;

public class AnchorClusteringTests
{
    [Fact]
    public void Two_clear_groups_give_their_means_sorted_by_area()
    {
        (double, double)[] shapes = [(40, 42), (10, 10), (44, 38), (12, 8), (8, 12), (42, 40)];

        var anchors = AnchorClustering.KMeans(shapes, 2);

        Assert.Equal(10.0, anchors[0].Width, 12);
        Assert.Equal(10.0, anchors[0].Height, 12);
        Assert.Equal(42.0, anchors[1].Width, 12);
        Assert.Equal(40.0, anchors[1].Height, 12);
        Assert.True(AnchorClustering.MeanBestIou(shapes, anchors) > 0.8);
    }

    [Fact]
    public void Shape_iou_compares_sizes_centred_together()
    {
        // Spec section 11: a 20×20 box against 16×16, 24×24 and 48×48 anchors.
        Assert.Equal(0.64, Boxes.ShapeIou((20, 20), (16, 16)), 15);
        Assert.Equal(400.0 / 576, Boxes.ShapeIou((20, 20), (24, 24)), 15);
        Assert.Equal(400.0 / 2304, Boxes.ShapeIou((20, 20), (48, 48)), 15);
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        Assert.Throws<ArgumentException>(() => AnchorClustering.KMeans([(1, 1)], 2));
        Assert.Throws<ArgumentException>(() => AnchorClustering.KMeans([(1, 0)], 1));
        Assert.Throws<ArgumentException>(() => AnchorClustering.MeanBestIou([], [(1, 1)]));
    }
}
