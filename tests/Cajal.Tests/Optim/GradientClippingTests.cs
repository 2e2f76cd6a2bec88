using Cajal.Optim;

namespace Cajal.Tests.Optim;

public class GradientClippingTests
{
    private static Tensor[] Params(DType dtype = DType.Float64)
    {
        var a = Tensor.Zeros([2], dtype, requiresGrad: true);
        var b = Tensor.Zeros([1, 1], dtype, requiresGrad: true);
        var none = Tensor.Zeros([3], dtype, requiresGrad: true);   // no grad: skipped
        a.Grad = Tensor.FromArray(new double[] { 3, -4 }).To(dtype);
        b.Grad = Tensor.FromArray(new double[] { 12 }, 1, 1).To(dtype);
        return [a, b, none];
    }

    [Fact]
    public void ClipGradNorm_returns_the_joint_2_norm_and_scales_every_grad_by_maxNorm_over_norm_plus_1e_6()
    {
        var ps = Params();
        double norm = GradientClipping.ClipGradNorm(ps, maxNorm: 6.5);
        Assert.Equal(13.0, norm);
        double c = 6.5 / (13.0 + 1e-6);
        Assert.Equal(new[] { 3 * c, -4 * c }, ps[0].Grad!.ToArray<double>());
        Assert.Equal(new[] { 12 * c }, ps[1].Grad!.ToArray<double>());
        Assert.Null(ps[2].Grad);
        Assert.Equal(6.5, GradientClipping.ClipGradNorm(ps, 100.0), 5);   // now below the limit: left unchanged
        Assert.Equal(12 * c, ps[1].Grad!.ToArray<double>()[0]);
    }

    [Fact]
    public void Other_norms_infinity_and_p_1_and_3()
    {
        Assert.Equal(12.0, GradientClipping.ClipGradNorm(Params(), 1000, double.PositiveInfinity));
        Assert.Equal(19.0, GradientClipping.ClipGradNorm(Params(), 1000, 1.0));
        Assert.Equal(Math.Pow(27 + 64 + 1728, 1.0 / 3), GradientClipping.ClipGradNorm(Params(), 1000, 3.0), 12);
        var ps = Params(DType.Float32);
        Assert.Equal(12.0, GradientClipping.ClipGradNorm(ps, 6.0, double.PositiveInfinity));
        Assert.Equal((float)(-4 * (6.0 / (12 + 1e-6))), ps[0].Grad!.ToArray<float>()[1]);
    }

    [Fact]
    public void Nothing_to_clip_gives_0_and_bad_arguments_throw()
    {
        Assert.Equal(0.0, GradientClipping.ClipGradNorm([Tensor.Zeros([2], requiresGrad: true)], 1.0));
        Assert.Throws<ArgumentException>(() => GradientClipping.ClipGradNorm(Params(), 1.0, normType: 0));
        Assert.Throws<ArgumentException>(() => GradientClipping.ClipGradNorm(Params(), double.NaN));
        Assert.Throws<ArgumentException>(() => GradientClipping.ClipGradValue(Params(), -1));
    }

    [Fact]
    public void A_non_finite_norm_throws_only_when_asked()
    {
        var ps = Params();
        ps[0].Grad = Tensor.FromArray(new[] { double.NaN, 1.0 });
        Assert.Contains("non-finite", Assert.Throws<InvalidOperationException>(() => GradientClipping.ClipGradNorm(ps, 1.0, errorIfNonfinite: true)).Message);
        Assert.Equal(1.0, ps[0].Grad!.ToArray<double>()[1]);   // untouched by the failed call
        Assert.True(double.IsNaN(GradientClipping.ClipGradNorm(ps, 1.0)));
        Assert.True(double.IsNaN(ps[1].Grad!.ToArray<double>()[0]));   // scaled by NaN, as PyTorch
    }

    [Fact]
    public void ClipGradValue_clamps_each_element()
    {
        var ps = Params(DType.Float32);
        GradientClipping.ClipGradValue(ps, 3.5);
        Assert.Equal(new[] { 3f, -3.5f }, ps[0].Grad!.ToArray<float>());
        Assert.Equal(new[] { 3.5f }, ps[1].Grad!.ToArray<float>());
    }
}
