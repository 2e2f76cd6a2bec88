using Cajal.Nn;
using static Cajal.Tests.Losses.LossTestUtil;

namespace Cajal.Tests.Losses;

/// <summary>Every loss's backward against central differences in float64, over reductions and options.</summary>
public class LossGradCheckTests
{
    public static TheoryData<Reduction> Reductions => new() { Reduction.None, Reduction.Mean, Reduction.Sum };

    private static Tensor RandN(int[] shape, ulong seed, double scale = 1.0) =>
        Leaf(Tensor.RandN(shape, new Generator(seed), DType.Float64) * scale);

    private static Tensor Uniform(int[] shape, ulong seed, double low, double high) =>
        Leaf(Tensor.Rand(shape, new Generator(seed), DType.Float64) * (high - low) + low);

    [Theory]
    [MemberData(nameof(Reductions))]
    public void Regression_losses(Reduction reduction)
    {
        var x = RandN([3, 4], 1, 2.0);
        var t = RandN([3, 4], 2, 2.0);
        GradCheckWithUpstream(() => Functional.MseLoss(x, t, reduction), 3, x, t);
        GradCheckWithUpstream(() => Functional.L1Loss(x, t, reduction), 4, x, t);
        foreach (double beta in new[] { 0.5, 1.0, 3.0 })
            GradCheckWithUpstream(() => Functional.SmoothL1Loss(x, t, reduction, beta), 5, x, t);
        foreach (double delta in new[] { 0.3, 1.0, 2.5 })
            GradCheckWithUpstream(() => Functional.HuberLoss(x, t, reduction, delta), 6, x, t);
    }

    [Fact]
    public void Sse_and_the_articles_clipped_bce()
    {
        var x = RandN([2, 3, 2], 7);
        var t = RandN([2, 3, 2], 8);
        GradCheck.Assert(() => Functional.SseLoss(x, t), x, t);
        var p = Uniform([4, 3], 9, 0.05, 0.95);
        var y = Uniform([4, 3], 10, 0, 1);
        foreach (double eps in new[] { 1e-7, 0.1 })   // eps 0.1 clips some p, whose gradient is then 0
            GradCheck.Assert(() => Functional.BceClipped(p, y, eps), p, y);
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void Binary_cross_entropy_with_weight_shapes(Reduction reduction)
    {
        var x = Uniform([2, 3, 4], 11, 0.05, 0.95);
        var t = Uniform([2, 3, 4], 12, 0, 1);
        foreach (int[]? wShape in new int[]?[] { null, [4], [3, 1], [2, 3, 4] })
        {
            var w = wShape is null ? null : Tensor.Rand(wShape, new Generator(13), DType.Float64) + 0.5;
            GradCheckWithUpstream(() => Functional.BinaryCrossEntropy(x, t, w, reduction), 14, x, t);
        }
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void Binary_cross_entropy_with_logits_weight_and_pos_weight(Reduction reduction)
    {
        var x = RandN([2, 3, 4], 15, 3.0);
        var t = Uniform([2, 3, 4], 16, 0, 1);
        var w = Tensor.Rand([3, 1], new Generator(17), DType.Float64) + 0.5;
        var pw = Tensor.Rand([4], new Generator(18), DType.Float64) * 3 + 0.2;
        GradCheckWithUpstream(() => Functional.BinaryCrossEntropyWithLogits(x, t, reduction: reduction), 19, x, t);
        GradCheckWithUpstream(() => Functional.BinaryCrossEntropyWithLogits(x, t, w, reduction), 20, x, t);
        GradCheckWithUpstream(() => Functional.BinaryCrossEntropyWithLogits(x, t, w, reduction, pw), 21, x, t);
        GradCheckWithUpstream(() => Functional.BinaryCrossEntropyWithLogits(x, t, null, reduction, Tensor.Full([1], 2.5, DType.Float64)), 22, x, t);
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void Cross_entropy_with_class_indices_over_weights_ignore_index_and_smoothing(Reduction reduction)
    {
        var x = RandN([5, 4], 23, 2.0);
        var t = Tensor.FromArray(new long[] { 0, 3, 1, 3, 2 });
        var w = Tensor.FromArray(new[] { 0.5, 2.0, 1.0, 1.5 });
        foreach (var weight in new[] { null, w })
            foreach (long ignore in new long[] { -100, 3 })
                foreach (double smoothing in new[] { 0.0, 0.2 })
                    GradCheckWithUpstream(() => Functional.CrossEntropy(x, t, weight, ignore, reduction, smoothing), 24, x);
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void Cross_entropy_k_dimensional_and_unbatched(Reduction reduction)
    {
        var x = RandN([2, 3, 2, 2], 25);
        var t = Tensor.FromArray(new long[] { 0, 2, 1, -100, 2, 2, 0, 1 }, 2, 2, 2);
        var w = Tensor.FromArray(new[] { 1.5, 0.5, 1.0 });
        GradCheckWithUpstream(() => Functional.CrossEntropy(x, t, w, reduction: reduction, labelSmoothing: 0.1), 26, x);
        var u = RandN([5], 27);
        GradCheckWithUpstream(() => Functional.CrossEntropy(u, Tensor.FromArray(new long[] { 3 }).Reshape(), reduction: reduction, labelSmoothing: 0.3), 28, u);
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void Cross_entropy_with_probability_targets(Reduction reduction)
    {
        var x = RandN([2, 3, 2], 29);
        var t = Uniform([2, 3, 2], 30, 0, 1);   // gradients do not need normalised targets
        var w = Tensor.FromArray(new[] { 0.7, 1.3, 2.0 });
        GradCheckWithUpstream(() => Functional.CrossEntropy(x, t, reduction: reduction), 31, x, t);
        GradCheckWithUpstream(() => Functional.CrossEntropy(x, t, w, reduction: reduction, labelSmoothing: 0.25), 32, x, t);
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void Nll_loss(Reduction reduction)
    {
        var x = RandN([2, 4, 3], 33);
        var t = Tensor.FromArray(new long[] { 0, 3, 1, 1, 2, 1 }, 2, 3);
        var w = Tensor.FromArray(new[] { 0.5, 2.0, 1.0, 1.5 });
        GradCheckWithUpstream(() => Functional.NllLoss(x, t, reduction: reduction), 34, x);
        GradCheckWithUpstream(() => Functional.NllLoss(x, t, w, ignoreIndex: 1, reduction: reduction), 35, x);
    }

    [Theory]
    [InlineData(KlDivReduction.None)]
    [InlineData(KlDivReduction.Mean)]
    [InlineData(KlDivReduction.Sum)]
    [InlineData(KlDivReduction.BatchMean)]
    public void Kl_div_with_plain_and_log_targets(KlDivReduction reduction)
    {
        var x = RandN([3, 4], 36);
        var t = Uniform([3, 4], 37, 0.05, 1);
        GradCheckWithUpstream(() => Functional.KlDiv(x, t, reduction), 38, x, t);
        var logT = RandN([3, 4], 39);
        GradCheckWithUpstream(() => Functional.KlDiv(x, logT, reduction, logTarget: true), 40, x, logT);
    }

    [Fact]
    public void Loss_modules_have_the_gradients_of_their_functional_forms()
    {
        var x = RandN([4, 3], 41);
        var t = Tensor.FromArray(new long[] { 2, 0, 1, 2 });
        var loss = new CrossEntropyLoss(weight: Tensor.FromArray(new[] { 1.0, 2.0, 0.5 }), labelSmoothing: 0.1);
        GradCheck.Assert(() => loss.Forward(x, t), x);
        var y = Uniform([4, 3], 42, 0, 1);
        GradCheck.Assert(() => new BceWithLogitsLoss(posWeight: Tensor.FromArray(new[] { 1.0, 2.0, 3.0 })).Forward(x, y), x, y);
    }
}
