using Cajal.Detection;
using Cajal.Kernels;
using Cajal.Nn;

namespace Cajal.Tests.Detection;

public class YoloV3LossTests
{
    private static readonly (double, double)[] Anchors64 = [(16, 16), (24, 24), (48, 48)];

    /// <summary>Spec section 11: raw [1, 21, 2, 2], all zero except t_x of anchor 1 at (j 1, i 0) = ln 3.</summary>
    private static (YoloV3LossResult Result, Tensor Raw) WorkedExample(YoloVariant variant, DType dtype = DType.Float64)
    {
        var data = new double[21 * 4];
        data[30] = Math.Log(3);
        var raw = Tensor.FromArray(data, 1, 21, 2, 2).To(dtype);
        raw.RequiresGrad = true;
        var loss = new YoloV3Loss(Anchors64, [[0, 1, 2]], 64, 64, numClasses: 2, variant);
        return (loss.Forward([raw], [[new GroundTruthBox(0.25, 0.75, 0.3125, 0.3125, 1)]]), raw);
    }

    [Theory]
    [InlineData(YoloVariant.Keras)]
    [InlineData(YoloVariant.Darknet)]
    public void Worked_example_of_the_spec_matches_the_hand_computed_parts_and_gradient(YoloVariant variant)
    {
        var (r, raw) = WorkedExample(variant);
        double lambda = 2 - 0.3125 * 0.3125, ln2 = Math.Log(2), ln3 = Math.Log(3);
        double xy = variant == YoloVariant.Keras ? lambda * ((Math.Log(4) - 0.5 * ln3) + ln2) : lambda * 0.5 * 0.25 * 0.25;
        double wh = lambda * 0.5 * 2 * Math.Pow(Math.Log(1.2), 2);
        Assert.Equal(xy, r.XY.Item(), 14);
        Assert.Equal(wh, r.WH.Item(), 14);
        Assert.Equal(11 * ln2, r.Conf.Item(), 14);      // one object term + 10 no-object terms, all at z = 0
        Assert.Equal(2 * ln2, r.Class.Item(), 14);
        Assert.Equal(xy + wh + 13 * ln2, r.Total.Item(), 13);
        Assert.Equal(variant == YoloVariant.Keras ? 11.984992951155649 : 9.133597683548635, r.Total.Item(), 12);
        Assert.Equal(1, r.IgnoredCount);
        Assert.Equal(new YoloCell(0, 0, 0, 1, 0), Assert.Single(r.IgnoredPositions()));
        Assert.Equal(r.Total.Item(), Assert.Single(r.Scales).Total, 14);

        r.Total.Backward();
        var g = raw.Grad!.ToDoubleArray();
        var expected = new double[84];
        expected[30] = variant == YoloVariant.Keras ? lambda * 0.25 : lambda * 0.25 * 0.75 * 0.25;
        expected[38] = expected[42] = lambda * Math.Log(1.2);
        expected[46] = -0.5;
        foreach (int i in new[] { 16, 17, 19, 44, 45, 47, 72, 73, 74, 75 }) expected[i] = 0.5;
        expected[50] = 0.5;
        expected[54] = -0.5;
        for (int i = 0; i < 84; i++) Assert.True(Math.Abs(expected[i] - g[i]) < 1e-14, $"grad[{i}] = {g[i]}, expected {expected[i]}");
    }

    [Fact]
    public void Float32_agrees_with_float64_and_keeps_its_dtype()
    {
        var (r64, raw64) = WorkedExample(YoloVariant.Keras);
        var (r32, raw32) = WorkedExample(YoloVariant.Keras, DType.Float32);
        Assert.Equal(DType.Float32, r32.Total.DType);
        Assert.Equal(r64.Total.Item(), r32.Total.Item(), 5);
        r64.Total.Backward();
        r32.Total.Backward();
        var g64 = raw64.Grad!.ToDoubleArray();
        var g32 = raw32.Grad!.ToDoubleArray();
        Assert.Equal(DType.Float32, raw32.Grad!.DType);
        for (int i = 0; i < g64.Length; i++) Assert.Equal(g64[i], g32[i], 6);
    }

    /// <summary>A random two-scale case: grids 2x3 and 3x4, overlapping masks, 3 classes, a collision, an empty image.</summary>
    private static (Tensor[] Raws, GroundTruthBox[][] Boxes, (double, double)[] Anchors, int[][] Masks) RandomCase(ulong seed)
    {
        var rng = new Generator(seed);
        var raws = new[]
        {
            Tensor.RandN([3, 2 * 8, 2, 3], rng, DType.Float64, requiresGrad: true),
            Tensor.RandN([3, 3 * 8, 3, 4], rng, DType.Float64, requiresGrad: true),
        };
        GroundTruthBox[][] boxes =
        [
            [new(0.3, 0.4, 0.5, 0.6, 2), new(0.7, 0.2, 0.1, 0.15, 0), new(0.32, 0.41, 0.45, 0.55, 1), new(1.0, 0.0, 0.2, 0.3, 1)],
            [],
            [new(0.55, 0.8, 0.3, 0.2, 0), new(0.05, 0.5, 0.9, 0.9, 2)],
        ];
        return (raws, boxes, [(6, 8), (12, 10), (20, 24), (40, 36), (60, 70)], [[3, 4], [0, 1, 2]]);
    }

    [Theory]
    [InlineData(YoloVariant.Keras, 0.5, true)]
    [InlineData(YoloVariant.Darknet, 0.5, true)]
    [InlineData(YoloVariant.Keras, 0.3, false)]
    [InlineData(YoloVariant.Darknet, 0.0, false)]
    public void Gradients_of_the_total_and_of_every_part_match_finite_differences(YoloVariant variant, double tau, bool parts)
    {
        var (raws, boxes, anchors, masks) = RandomCase(11);
        YoloV3LossResult Loss() => Functional.YoloV3Loss(raws, anchors, masks, 80, 64, 3, boxes, variant, tau);
        var probe = Loss();
        Assert.True(probe.Targets.Positives.Count >= 4, $"only {probe.Targets.Positives.Count} positives");
        GradCheck.Assert(() => Loss().Total, raws);
        if (!parts) return;
        GradCheck.Assert(() => Loss().XY, raws);
        GradCheck.Assert(() => Loss().WH, raws);
        GradCheck.Assert(() => Loss().Conf, raws);
        GradCheck.Assert(() => Loss().Class, raws);
    }

    [Fact]
    public void The_parts_sum_to_the_total_in_value_and_in_gradient()
    {
        var (raws, boxes, anchors, masks) = RandomCase(5);
        var r = Functional.YoloV3Loss(raws, anchors, masks, 80, 64, 3, boxes);
        Assert.Equal(r.Total.Item(), r.XY.Item() + r.WH.Item() + r.Conf.Item() + r.Class.Item(), 12);
        Assert.Equal(r.Total.Item(), r.Scales.Sum(s => s.Total), 12);
        r.Total.Backward();
        var total = raws.Select(t => t.Grad!.ToDoubleArray()).ToArray();
        foreach (var t in raws) t.Grad = null;
        var r2 = Functional.YoloV3Loss(raws, anchors, masks, 80, 64, 3, boxes);
        (r2.XY + r2.WH + r2.Conf + r2.Class).Backward();
        for (int s = 0; s < raws.Length; s++)
        {
            var sum = raws[s].Grad!.ToDoubleArray();
            for (int i = 0; i < sum.Length; i++) Assert.Equal(total[s][i], sum[i], 14);
        }
    }

    [Fact]
    public void A_batch_without_objects_has_only_the_no_object_confidence_term()
    {
        var rng = new Generator(3);
        var raws = new[] { Tensor.RandN([2, 2 * 7, 2, 2], rng, DType.Float64, requiresGrad: true), Tensor.RandN([2, 1 * 7, 3, 3], rng, DType.Float64, requiresGrad: true) };
        var loss = new YoloV3Loss([(10, 10), (20, 20), (40, 40)], [[1, 2], [0]], 64, 64, numClasses: 2, ignoreThreshold: 0.0);
        var r = loss.Forward(raws, [[], []]);
        Assert.Equal(0.0, r.XY.Item());
        Assert.Equal(0.0, r.WH.Item());
        Assert.Equal(0.0, r.Class.Item());
        Assert.Empty(r.Targets.Positives);
        Assert.Equal(0, r.IgnoredCount);   // τ = 0 ignores nothing when the image has no boxes
        double expected = 0;
        foreach (var (raw, anchors) in raws.Zip(new[] { 2, 1 }))
        {
            var v = raw.ToDoubleArray();
            int hw = raw.Size(2) * raw.Size(3);
            for (int b = 0; b < 2; b++)
                for (int a = 0; a < anchors; a++)
                    for (int p = 0; p < hw; p++)
                    {
                        double z = v[((b * anchors + a) * 7 + 4) * hw + p];
                        expected += Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));   // BCE(0, z)
                    }
        }
        Assert.Equal(expected / 2, r.Conf.Item(), 12);
        Assert.Equal(r.Conf.Item(), r.Total.Item());
        r.Total.Backward();
        var g = raws[1].Grad!.ToDoubleArray();
        var x = raws[1].ToDoubleArray();
        for (int i = 0; i < g.Length; i++)
            Assert.Equal(i % 63 / 9 == 4 ? YoloKernels.Sigmoid(x[i]) / 2 : 0.0, g[i], 14);
    }

    [Fact]
    public void A_box_whose_best_anchor_is_in_no_mask_makes_no_positive_but_still_ignores_predictions()
    {
        // Anchor 0 (16 px) is the best for a 16 px box but only anchor 1 (48 px) is used. At the box's cell, t_w = t_h = ln(1/3)
        // makes anchor 1 predict exactly the box (IoU 1): that position is ignored.
        var data = new double[6 * 2 * 2];
        int hw = 4, cell = 1 * 2 + 0;   // j 1, i 0
        data[2 * hw + cell] = data[3 * hw + cell] = Math.Log(1.0 / 3);
        var raw = Tensor.FromArray(data, 1, 6, 2, 2);
        var loss = new YoloV3Loss([(16, 16), (48, 48)], [[1]], 64, 64, numClasses: 1);
        var r = loss.Forward([raw], [[new GroundTruthBox(0.25, 0.75, 0.25, 0.25, 0)]]);
        Assert.Empty(r.Targets.Positives);
        Assert.Equal(new YoloCell(0, 0, 0, 1, 0), Assert.Single(r.IgnoredPositions()));
        Assert.Equal(3 * Math.Log(2), r.Conf.Item(), 14);
        Assert.Equal(r.Conf.Item(), r.Total.Item());
        var without = loss.Forward([raw], [[]]);
        Assert.Equal(4 * Math.Log(2), without.Total.Item(), 14);
    }

    [Fact]
    public void Threshold_zero_ignores_every_unassigned_position_of_an_image_with_boxes_and_threshold_one_only_exact_matches()
    {
        var r0 = Functional.YoloV3Loss([Tensor.Zeros([1, 21, 2, 2], DType.Float64)], Anchors64, [[0, 1, 2]], 64, 64, 2,
            [[new GroundTruthBox(0.25, 0.75, 0.3125, 0.3125, 1)]], ignoreThreshold: 0.0);
        Assert.Equal(11, r0.IgnoredCount);
        Assert.Equal(Math.Log(2), r0.Conf.Item(), 14);   // only the object term is left
        // τ = 1: anchors 0 and 1 are identical, so at z = 0 anchor 1 predicts the 16 px box exactly (IoU 1) where
        // anchor 0 (the tie's winner) is assigned; that is the only position ignored.
        var r1 = Functional.YoloV3Loss([Tensor.Zeros([1, 21, 2, 2], DType.Float64)], [(16, 16), (16, 16), (48, 48)], [[0, 1, 2]], 64, 64, 2,
            [[new GroundTruthBox(0.25, 0.75, 0.25, 0.25, 1)]], ignoreThreshold: 1.0);
        Assert.Equal(0, Assert.Single(r1.Targets.Positives).Anchor);
        Assert.Equal(new YoloCell(0, 0, 1, 1, 0), Assert.Single(r1.IgnoredPositions()));
        Assert.Equal(11 * Math.Log(2), r1.Conf.Item(), 14);
    }

    [Fact]
    public void Module_and_functional_forms_agree_and_the_module_prints_its_options()
    {
        var (raws, boxes, anchors, masks) = RandomCase(9);
        var module = new YoloV3Loss(anchors, masks, 80, 64, 3, YoloVariant.Darknet, 0.6);
        var a = module.Forward(raws, boxes);
        var b = Functional.YoloV3Loss(raws, anchors, masks, 80, 64, 3, boxes, YoloVariant.Darknet, 0.6);
        Assert.Equal(a.Total.Item(), b.Total.Item());
        Assert.Equal("YoloV3Loss(anchors: 5, scales: 2, input: 80x64, classes: 3, variant: Darknet, ignoreThreshold: 0.6)", module.ToString());
    }

    [Fact]
    public void Non_contiguous_outputs_such_as_a_permuted_nhwc_tensor_are_read_correctly()
    {
        var (raws, boxes, anchors, masks) = RandomCase(4);
        var reference = Functional.YoloV3Loss(raws, anchors, masks, 80, 64, 3, boxes).Total.Item();
        var nhwc = raws.Select(r => r.Detach().Permute(0, 2, 3, 1).Contiguous().Permute(0, 3, 1, 2)).ToArray();
        Assert.False(nhwc[0].IsContiguous);
        Assert.Equal(reference, Functional.YoloV3Loss(nhwc, anchors, masks, 80, 64, 3, boxes).Total.Item(), 14);
    }
}
