using Cajal.Nn;
using static Cajal.Tests.Losses.LossTestUtil;

namespace Cajal.Tests.Losses;

/// <summary>The article's chain: softmax → log → NLL is CrossEntropyLoss, with class weights, ignore_index and smoothing.</summary>
public class CrossEntropyStoryTests
{
    private static readonly Tensor Weights = Tensor.FromArray(new[] { 0.2, 1.0, 3.0, 0.7, 1.5 });

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void Cross_entropy_loss_equals_nll_of_log_softmax_with_class_weights(Reduction reduction)
    {
        var x = Leaf(Tensor.RandN([7, 5], new Generator(11), DType.Float64) * 3);
        var t = Tensor.FromArray(new long[] { 0, 4, 2, 2, 1, 3, 2 });
        var ce = new CrossEntropyLoss(weight: Weights, reduction: reduction).Forward(x, t);
        var upstream = Tensor.RandN(ce.Shape.ToArray(), new Generator(12), DType.Float64);
        (ce * upstream).Sum().Backward();
        var ceGrad = x.Grad!;
        x.Grad = null;

        var nll = new NllLoss(weight: Weights, reduction: reduction).Forward(Functional.LogSoftmax(x, 1), t);
        (nll * upstream).Sum().Backward();
        AssertClose(ce, nll, 1e-14);
        AssertClose(ceGrad, x.Grad!, 1e-14);

        // The article's three steps written out: softmax, then log, then pick −w[t]·log p[t].
        var stepwise = Functional.NllLoss(x.Softmax(1).Log(), t, Weights, reduction: reduction);
        AssertClose(ce, stepwise, 1e-12);
    }

    [Fact]
    public void The_weighted_mean_divides_by_the_weights_of_the_targets_not_by_the_count()
    {
        var x = Tensor.RandN([4, 5], new Generator(13), DType.Float64);
        var t = Tensor.FromArray(new long[] { 2, 2, 0, 4 });
        var perSample = Functional.CrossEntropy(x, t, Weights, reduction: Reduction.None).ToDoubleArray();
        double weightSum = 3.0 + 3.0 + 0.2 + 1.5;
        Assert.Equal(perSample.Sum() / weightSum, Functional.CrossEntropy(x, t, Weights).Item(), 13);
        // A rare class with weight 3 counts three times: duplicating its samples gives the same mean.
        var unweighted = Functional.CrossEntropy(x, t, reduction: Reduction.None).ToDoubleArray();
        for (int i = 0; i < 4; i++) Assert.Equal(unweighted[i] * new[] { 3.0, 3.0, 0.2, 1.5 }[i], perSample[i], 13);
    }

    [Fact]
    public void Ignored_positions_cost_nothing_and_leave_the_denominator()
    {
        var x = Leaf(Tensor.RandN([3, 5], new Generator(14), DType.Float64));
        var kept = Functional.CrossEntropy(x.Narrow(0, 0, 2), Tensor.FromArray(new long[] { 1, 4 }), Weights);
        var withIgnored = Functional.CrossEntropy(x, Tensor.FromArray(new long[] { 1, 4, -100 }), Weights);
        Assert.Equal(kept.Item(), withIgnored.Item(), 14);
        withIgnored.Backward();
        Assert.All(x.Grad!.Select(0, 2).ToDoubleArray(), g => Assert.Equal(0.0, g));
    }

    [Fact]
    public void Label_smoothing_is_cross_entropy_against_the_smoothed_one_hot()
    {
        var x = Tensor.RandN([6, 5], new Generator(15), DType.Float64) * 2;
        var t = Tensor.FromArray(new long[] { 0, 1, 2, 3, 4, 1 });
        const double eps = 0.1;
        var oneHot = Tensor.Zeros([6, 5], DType.Float64);
        for (int i = 0; i < 6; i++) oneHot.SetFromDouble(i * 5 + (int)t.GetAsDouble(i), 1.0);
        var smoothed = oneHot * (1 - eps) + eps / 5;
        var viaIndices = Functional.CrossEntropy(x, t, labelSmoothing: eps, reduction: Reduction.None);
        var viaProbabilities = Functional.CrossEntropy(x, smoothed, reduction: Reduction.None);
        AssertClose(viaIndices, viaProbabilities, 1e-13);
        // Smoothing costs a confident right answer: the loss no longer falls to 0.
        var sure = Tensor.FromArray(new double[,] { { 50, 0, 0, 0, 0 } });
        Assert.True(Functional.CrossEntropy(sure, Tensor.FromArray(new long[] { 0 }), labelSmoothing: eps).Item() > 1.0);
        Assert.True(Functional.CrossEntropy(sure, Tensor.FromArray(new long[] { 0 })).Item() < 1e-20);
    }

    [Fact]
    public void Cross_entropy_of_one_sample_is_minus_log_of_its_softmax_probability()
    {
        // The article's picture: logits (2, 1, 0.1), true class 0: p = softmax = (0.659, 0.242, 0.099), loss = −ln 0.659.
        var logits = Tensor.FromArray(new[] { 2.0, 1.0, 0.1 });
        double z = Math.Exp(2.0) + Math.Exp(1.0) + Math.Exp(0.1);
        double loss = Functional.CrossEntropy(logits, Tensor.FromArray(new long[] { 0 }).Reshape()).Item();
        Assert.Equal(-Math.Log(Math.Exp(2.0) / z), loss, 14);
        Assert.Equal(0.4170, loss, 4);
    }
}
