using Cajal.Detection;

namespace Cajal.Tests.Detection;

public class ShapesDatasetTests
{
    [Fact]
    public void Same_seed_gives_identical_images_and_boxes_and_another_seed_differs()
    {
        var first = ShapesDataset.Generate(20, seed: 5);
        var second = ShapesDataset.Generate(20, seed: 5);
        var other = ShapesDataset.Generate(20, seed: 6);

        Assert.Equal(first.Images(0, 20).ToArray<float>(), second.Images(0, 20).ToArray<float>());
        Assert.Equal(first.AllBoxes().SelectMany(b => b), second.AllBoxes().SelectMany(b => b));
        Assert.NotEqual(first.Images(0, 20).ToArray<float>(), other.Images(0, 20).ToArray<float>());
    }

    [Fact]
    public void Image_i_depends_only_on_the_seed_and_i()
    {
        var ten = ShapesDataset.Generate(10, seed: 3);
        var firstFive = ShapesDataset.Generate(5, seed: 3);
        var lastFive = ShapesDataset.Generate(5, seed: 3, firstIndex: 5);

        for (int i = 0; i < 5; i++)
        {
            Assert.True(ten.ImageBytes(i).SequenceEqual(firstFive.ImageBytes(i)));
            Assert.True(ten.ImageBytes(5 + i).SequenceEqual(lastFive.ImageBytes(i)));
            Assert.Equal(ten.Boxes(5 + i), lastFive.Boxes(i));
        }
    }

    [Fact]
    public void Boxes_are_valid_sized_apart_and_cover_every_class()
    {
        var options = ShapesOptions.Default;
        var data = ShapesDataset.Generate(300, seed: 11);
        var classes = new HashSet<int>();
        for (int i = 0; i < data.Count; i++)
        {
            var boxes = data.Boxes(i);
            Assert.InRange(boxes.Count, options.MinObjects, options.MaxObjects);
            foreach (var b in boxes)
            {
                Assert.InRange(b.Cx, double.Epsilon, 1 - double.Epsilon);
                Assert.InRange(b.Cy, double.Epsilon, 1 - double.Epsilon);
                Assert.InRange(b.W, 1.0 / options.ImageSize, 1.0);
                Assert.InRange(b.H, 1.0 / options.ImageSize, 1.0);
                Assert.True(b.W * options.ImageSize <= options.MaxSide && b.H * options.ImageSize <= options.MaxSide);
                Assert.True(b.Cx - b.W / 2 >= 0 && b.Cx + b.W / 2 <= 1 && b.Cy - b.H / 2 >= 0 && b.Cy + b.H / 2 <= 1);
                classes.Add(b.Class);
            }
            for (int p = 0; p < boxes.Count; p++)
                for (int q = p + 1; q < boxes.Count; q++)
                    Assert.Equal(0.0, Boxes.Iou(boxes[p].Box, boxes[q].Box));
        }
        Assert.Equal([0, 1, 2], classes.Order());
    }

    [Fact]
    public void Each_box_centre_shows_a_bright_object_colour_and_the_extent_is_tight()
    {
        var data = ShapesDataset.Generate(40, seed: 2);
        int size = data.ImageSize, plane = size * size;
        for (int i = 0; i < data.Count; i++)
        {
            var pixels = data.ImageBytes(i);
            foreach (var b in data.Boxes(i))
            {
                int x = (int)(b.Cx * size), y = (int)(b.Cy * size);
                int brightest = Math.Max(pixels[y * size + x], Math.Max(pixels[plane + y * size + x], pixels[2 * plane + y * size + x]));
                // The background is at most 15 + 55 + 12 + noise 25.5 ≈ 108; every palette colour has a channel ≥ 175 after jitter and noise.
                Assert.True(brightest > 150, $"image {i}, box {b}: brightest channel {brightest} at the centre");
                // Rows just outside the box hold no object colour in the box's column range (the extent is tight).
                int top = (int)Math.Round((b.Cy - b.H / 2) * size) - 1;
                if (top >= 0)
                    for (int c = (int)Math.Round((b.Cx - b.W / 2) * size); c < (int)Math.Round((b.Cx + b.W / 2) * size); c++)
                        Assert.True(Math.Max(pixels[top * size + c], Math.Max(pixels[plane + top * size + c], pixels[2 * plane + top * size + c])) < 140);
            }
        }
    }

    [Fact]
    public void Images_are_a_float_tensor_in_the_unit_interval_in_the_requested_order()
    {
        var data = ShapesDataset.Generate(4, seed: 1);
        var batch = data.Images([3, 1]);

        Assert.Equal([2, 3, 96, 96], batch.Shape.ToArray());
        Assert.Equal(DType.Float32, batch.DType);
        var values = batch.ToArray<float>();
        Assert.All(values, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(data.ImageBytes(3)[100] / 255f, values[100]);
        Assert.Equal(data.ImageBytes(1)[7] / 255f, values[3 * 96 * 96 + 7]);
        Assert.Equal(data.Boxes(3), data.Boxes([3, 1])[0]);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentException>(() => ShapesDataset.Generate(1, 1, new ShapesOptions(MinObjects: 0)));
        Assert.Throws<ArgumentException>(() => ShapesDataset.Generate(1, 1, new ShapesOptions(MaxSide: 200)));
        Assert.Throws<ArgumentException>(() => ShapesDataset.Generate(1, 1, new ShapesOptions(Noise: -0.1)));
        Assert.Throws<ArgumentException>(() => ShapesDataset.Generate(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShapesDataset.Generate(2, 1).Boxes(2));
    }
}
