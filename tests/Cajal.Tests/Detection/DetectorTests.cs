using Cajal.Detection;

namespace Cajal.Tests.Detection;

public class DetectorTests
{
    private static readonly (double Width, double Height)[] Anchors = [(12, 12), (22, 14), (16, 20), (24, 26), (30, 34), (38, 38)];

    [Fact]
    public void Decoding_follows_the_spec_formulas_and_multiplies_objectness_by_class_probability()
    {
        // One scale, 2×2 grid, one anchor 16×24 px of a 64×64 input, two classes: channels t_x t_y t_w t_h t_obj c0 c1.
        var raw = new double[7 * 4];
        void Set(int channel, int j, int i, double v) => raw[channel * 4 + j * 2 + i] = v;
        for (int cell = 0; cell < 4; cell++) raw[4 * 4 + cell] = -20;            // no object anywhere...
        Set(0, 1, 0, Math.Log(3)); Set(1, 1, 0, 0); Set(2, 1, 0, Math.Log(2)); Set(3, 1, 0, -Math.Log(2));
        Set(4, 1, 0, 20);                                                          // ...except at row 1, column 0
        Set(5, 1, 0, Math.Log(3)); Set(6, 1, 0, -Math.Log(3));                     // class 0: 0.75, class 1: 0.25

        var found = YoloDecoder.Decode([Tensor.FromArray(raw, 1, 7, 2, 2)], [(16, 24)], [[0]], 64, 64, 2, scoreThreshold: 0.2);

        Assert.Equal(2, found[0].Count);
        var best = found[0][0];
        Assert.Equal(0, best.Class);
        Assert.Equal((0.75 + 0) / 2, best.Box.Cx, 12);
        Assert.Equal((0.5 + 1) / 2, best.Box.Cy, 12);
        Assert.Equal(2 * 16 / 64.0, best.Box.W, 12);
        Assert.Equal(0.5 * 24 / 64.0, best.Box.H, 12);
        double objectness = 1 / (1 + Math.Exp(-20));
        Assert.Equal(objectness * 0.75, best.Score, 12);
        Assert.Equal(1, found[0][1].Class);
        Assert.Equal(objectness * 0.25, found[0][1].Score, 12);
        // A higher threshold keeps only class 0.
        Assert.Single(YoloDecoder.Decode([Tensor.FromArray(raw, 1, 7, 2, 2)], [(16, 24)], [[0]], 64, 64, 2, 0.5)[0]);
    }

    [Fact]
    public void Each_scale_uses_the_anchors_of_its_mask_and_its_own_grid()
    {
        // Two scales with one anchor each, all zero logits: boxes at cell centres with the anchor's size, score 1/4.
        var coarse = Tensor.Zeros([1, 6, 1, 1]);
        var fine = Tensor.Zeros([1, 6, 2, 2]);
        var found = YoloDecoder.Decode([coarse, fine], [(8, 8), (32, 16)], [[1], [0]], 32, 32, 1, 0.25);

        Assert.Equal(5, found[0].Count);
        Assert.Equal(new Box(0.5, 0.5, 1.0, 0.5), found[0][0].Box);
        Assert.Equal(new Box(0.25, 0.25, 0.25, 0.25), found[0][1].Box);
        Assert.Equal(new Box(0.75, 0.75, 0.25, 0.25), found[0][4].Box);
        Assert.All(found[0], d => Assert.Equal(0.25, d.Score, 15));
    }

    [Fact]
    public void Decoder_rejects_mismatched_inputs()
    {
        var raw = Tensor.Zeros([1, 7, 2, 2]);
        Assert.Throws<ArgumentException>(() => YoloDecoder.Decode([raw], [(16, 24)], [[0]], 64, 64, 3, 0.5));    // 7 ≠ 1·(5+3)
        Assert.Throws<ArgumentException>(() => YoloDecoder.Decode([raw], [(16, 24)], [[1]], 64, 64, 2, 0.5));    // anchor 1 of 1
        Assert.Throws<ArgumentException>(() => YoloDecoder.Decode([raw], [(16, 24)], [[0], [0]], 64, 64, 2, 0.5));
        Assert.Throws<ArgumentException>(() => YoloDecoder.Decode([raw, Tensor.Zeros([2, 7, 1, 1])], [(16, 24)], [[0], [0]], 64, 64, 2, 0.5));
        Assert.Throws<ArgumentException>(() => YoloDecoder.Decode([raw], [(16, 0)], [[0]], 64, 64, 2, 0.5));
        Assert.Throws<ArgumentException>(() => YoloDecoder.Decode([raw], [(16, 24)], [[0]], 64, 64, 2, 1.5));
    }

    [Fact]
    public void Detect_suppresses_duplicates_across_anchors()
    {
        // Two anchors of one scale predicting the same box for class 0: NMS keeps the better one.
        var raw = new double[2 * 6];
        raw[4] = 3;          // anchor 0 objectness
        raw[6 + 4] = 1;      // anchor 1 objectness
        var found = YoloDecoder.Detect([Tensor.FromArray(raw, 1, 12, 1, 1)], [(10, 10), (10, 10)], [[0, 1]], 20, 20, 1, 0.1, 0.45);

        Assert.Single(found[0]);
        Assert.Equal(1 / (1 + Math.Exp(-3)) * 0.5, found[0][0].Score, 12);
    }

    [Fact]
    public void Detector_heads_have_the_loss_layout_and_the_objectness_prior()
    {
        var model = new YoloDetector(3, Anchors, inputSize: 64, width: 4, generator: new Generator(1));
        var input = Tensor.Rand([2, 3, 64, 64], new Generator(2));

        var scales = model.ForwardScales(input);

        Assert.Equal([2, 24, 4, 4], scales[0].Shape.ToArray());
        Assert.Equal([2, 24, 8, 8], scales[1].Shape.ToArray());
        Assert.Equal([2, 24, 16 + 64], model.Forward(input).Shape.ToArray());
        Assert.Equal([[3, 4, 5], [0, 1, 2]], model.Masks.Select(m => m.ToArray()));
        var bias = model.StateDict()["coarse.1.bias"].ToArray<float>();
        Assert.Equal((float)Math.Log(0.01 / 0.99), bias[4], 6);
        Assert.Equal((float)Math.Log(0.01 / 0.99), bias[8 + 4], 6);
        Assert.Equal((float)Math.Log(0.01 / 0.99), bias[16 + 4], 6);
    }

    [Fact]
    public void Same_seed_builds_the_same_detector_and_every_parameter_gets_a_gradient()
    {
        var a = new YoloDetector(3, Anchors, 32, 2, new Generator(5));
        var b = new YoloDetector(3, Anchors, 32, 2, new Generator(5));
        var input = Tensor.Rand([2, 3, 32, 32], new Generator(6));
        Assert.Equal(a.Forward(input).ToArray<float>(), b.Forward(input).ToArray<float>());

        a.Forward(input).Pow(2).Sum().Backward();
        Assert.All(a.NamedParameters(), p => Assert.True(p.Value.Grad is not null, $"{p.Name} has no gradient"));
        a.Eval();
        var found = a.Detect(input, scoreThreshold: 0, iouThreshold: 1, maxDetections: 7);
        Assert.Equal(2, found.Length);
        Assert.All(found, d => Assert.Equal(7, d.Count));
    }

    [Fact]
    public void Detector_rejects_bad_configuration_and_input()
    {
        Assert.Throws<ArgumentException>(() => new YoloDetector(3, Anchors.Take(5).ToArray()));
        Assert.Throws<ArgumentException>(() => new YoloDetector(3, [.. Anchors.Reverse()]));
        Assert.Throws<ArgumentException>(() => new YoloDetector(3, Anchors, inputSize: 40));
        Assert.Throws<ArgumentException>(() => new YoloDetector(0, Anchors));
        var model = new YoloDetector(3, Anchors, 32, 2);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros([1, 3, 64, 64])));
        Assert.Contains("(1, 3, 64, 64)", e.Message, StringComparison.Ordinal);
    }
}
