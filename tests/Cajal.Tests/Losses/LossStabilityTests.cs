using Cajal.Nn;
using static Cajal.Tests.Losses.LossTestUtil;

namespace Cajal.Tests.Losses;

/// <summary>No NaN or Inf from large logits or from probabilities at 0 and 1, and the right limits there.</summary>
public class LossStabilityTests
{
    public static TheoryData<double, DType> Scales => new()
    {
        { 100, DType.Float64 }, { 1000, DType.Float64 }, { 1e6, DType.Float64 }, { 100, DType.Float32 }, { 1000, DType.Float32 },
    };

    [Theory]
    [MemberData(nameof(Scales))]
    public void Cross_entropy_at_large_logits_is_finite_and_exact(double scale, DType dtype)
    {
        var x = (Tensor.FromArray(new double[,] { { 1, -1, 0 }, { -1, -1, -1 }, { 0.5, 1, -1 } }) * scale).To(dtype);
        x.RequiresGrad = true;
        var t = Tensor.FromArray(new long[] { 0, 2, 1 });
        var w = Tensor.FromArray(new[] { 0.5, 2.0, 1.0 });
        foreach (double smoothing in new[] { 0.0, 0.1 })
        {
            x.Grad = null;
            var loss = Functional.CrossEntropy(x, t, w, reduction: Reduction.None, labelSmoothing: smoothing);
            AssertFinite(loss, "loss");
            loss.Sum().Backward();
            AssertFinite(x.Grad!, "grad");
        }
        // Row 0 is certain and right: loss 0. Row 2 prefers class 1 by 0.5·scale: loss ≈ ln(1 + e^(−0.5·scale)) ≈ 0.
        var plain = Functional.CrossEntropy(x, t, reduction: Reduction.None).ToDoubleArray();
        Assert.Equal(0.0, plain[0], 12);
        Assert.Equal(Math.Log(3), plain[1], 6);
        Assert.Equal(0.0, plain[2], 12);
        // A wrong certain answer costs the logit gap, not ∞.
        var wrong = Functional.CrossEntropy(x, Tensor.FromArray(new long[] { 1, 0, 2 }), reduction: Reduction.None).ToDoubleArray();
        Assert.Equal(2 * scale, wrong[0], 2 * scale * 1e-6);
        Assert.Equal(2 * scale, wrong[2], 2 * scale * 1e-6);
    }

    [Theory]
    [MemberData(nameof(Scales))]
    public void Cross_entropy_with_probability_targets_at_large_logits_is_finite(double scale, DType dtype)
    {
        var x = (Tensor.FromArray(new double[,] { { 1, -1, 0 }, { -1, 1, 1 } }) * scale).To(dtype);
        x.RequiresGrad = true;
        var t = Tensor.FromArray(new double[,] { { 0.2, 0.3, 0.5 }, { 0, 0.5, 0.5 } }).To(dtype);
        var loss = Functional.CrossEntropy(x, t, labelSmoothing: 0.1);
        AssertFinite(loss, "loss");
        loss.Backward();
        AssertFinite(x.Grad!, "grad");
    }

    [Theory]
    [MemberData(nameof(Scales))]
    public void Bce_with_logits_at_large_logits_is_finite_and_exact(double scale, DType dtype)
    {
        var x = Tensor.FromArray(new[] { scale, -scale, scale, -scale }).To(dtype);
        x.RequiresGrad = true;
        var t = Tensor.FromArray(new[] { 1.0, 0.0, 0.0, 1.0 }).To(dtype);
        t.RequiresGrad = true;
        var pw = Tensor.FromArray(new[] { 3.0 }).To(dtype);
        var loss = Functional.BinaryCrossEntropyWithLogits(x, t, reduction: Reduction.None, posWeight: pw);
        AssertFinite(loss, "loss");
        var v = loss.ToDoubleArray();
        Assert.Equal(0.0, v[0], 12);                       // right and sure
        Assert.Equal(0.0, v[1], 12);
        Assert.Equal(scale, v[2], scale * 1e-6);           // wrong and sure: the logit, not ∞
        Assert.Equal(3 * scale, v[3], scale * 1e-6);       // the positive term carries pos_weight
        loss.Sum().Backward();
        AssertFinite(x.Grad!, "input grad");
        AssertFinite(t.Grad!, "target grad");
    }

    [Fact]
    public void Bce_clamps_its_logs_at_minus_100_and_the_clipped_bce_at_minus_ln_eps()
    {
        var p = LossTestUtil.Leaf(Tensor.FromArray(new[] { 0.0, 1.0, 0.0, 1.0 }));
        var y = Tensor.FromArray(new[] { 1.0, 0.0, 0.0, 1.0 });
        var bce = Functional.BinaryCrossEntropy(p, y, reduction: Reduction.None);
        Assert.Equal(new[] { 100.0, 100.0, 0.0, 0.0 }, bce.ToDoubleArray());
        bce.Sum().Backward();
        AssertFinite(p.Grad!, "bce grad");
        var clipped = Functional.BceClipped(p, y, 1e-7).Item();
        double hi = 1 - 1e-7;   // the upper clip, as the loss computes it
        Assert.Equal(-(Math.Log(1e-7) + Math.Log(1 - hi) + Math.Log(1 - 1e-7) + Math.Log(hi)) / 4, clipped, 12);
    }

    [Fact]
    public void Kl_div_and_regression_losses_stay_finite_at_large_values()
    {
        var logQ = Tensor.FromArray(new[] { -1000.0, -1e-300, -700.0 });
        var t = Tensor.FromArray(new[] { 0.0, 1.0, 0.0 });
        AssertFinite(Functional.KlDiv(logQ, t, KlDivReduction.None), "kl");
        AssertFinite(Functional.KlDiv(logQ, logQ, KlDivReduction.Sum, logTarget: true), "kl log target");
        var big = Tensor.FromArray(new[] { 1e100, -1e100 });
        var zero = Tensor.Zeros([2], DType.Float64);
        AssertFinite(Functional.HuberLoss(big, zero), "huber");
        AssertFinite(Functional.SmoothL1Loss(big, zero), "smooth l1");
        AssertFinite(Functional.L1Loss(big, zero), "l1");
    }

    [Fact]
    public void Float32_losses_agree_with_float64()
    {
        var x = Tensor.RandN([6, 5], new Generator(3), DType.Float64) * 4;
        var t = Tensor.FromArray(new long[] { 0, 4, 2, 2, 1, 3 });
        var w = Tensor.FromArray(new[] { 1.0, 0.5, 2.0, 1.0, 1.5 });
        var ce64 = Functional.CrossEntropy(x, t, w, labelSmoothing: 0.1).Item();
        var ce32 = Functional.CrossEntropy(x.To(DType.Float32), t, w, labelSmoothing: 0.1);
        Assert.Equal(DType.Float32, ce32.DType);
        Assert.Equal(ce64, ce32.Item(), 5);
        var y = Tensor.Rand([6, 5], new Generator(4), DType.Float64);
        Assert.Equal(Functional.BinaryCrossEntropyWithLogits(x, y).Item(),
            Functional.BinaryCrossEntropyWithLogits(x.To(DType.Float32), y.To(DType.Float32)).Item(), 5);
    }
}
