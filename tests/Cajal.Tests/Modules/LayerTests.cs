using Cajal.Nn;

namespace Cajal.Tests.Modules;

public class LayerTests
{
    private static Tensor RandN(Generator g, params int[] shape) => Tensor.RandN(shape, g, DType.Float64, requiresGrad: true);

    private static void CheckWithUpstream(Func<Tensor> f, params Tensor[] inputs)
    {
        var upstream = Tensor.RandN(f().Shape.ToArray(), new Generator(99), DType.Float64);
        GradCheck.Assert(() => (f() * upstream).Sum(), inputs);
    }

    [Theory]
    [InlineData(new[] { 5, 3 }, true)]
    [InlineData(new[] { 3 }, true)]
    [InlineData(new[] { 2, 4, 3 }, false)]
    public void Linear_gradients_match_finite_differences(int[] inputShape, bool bias)
    {
        var g = new Generator(1);
        var x = RandN(g, inputShape);
        var layer = new Linear(3, 2, bias, g, DType.Float64);
        var inputs = bias ? new[] { x, layer.Weight, layer.Bias! } : new[] { x, layer.Weight };
        CheckWithUpstream(() => layer.Forward(x), inputs);
    }

    [Fact]
    public void Linear_default_init_is_uniform_within_one_over_sqrt_fan_in()
    {
        var layer = new Linear(100, 50, generator: new Generator(5));
        double bound = 1.0 / Math.Sqrt(100);
        Assert.All(layer.Weight.ToArray<float>(), v => Assert.InRange(v, -bound, bound));
        Assert.All(layer.Bias!.ToArray<float>(), v => Assert.InRange(v, -bound, bound));
        // The spread of U(−b, b) has standard deviation b/√3.
        Assert.InRange(layer.Weight.ToDoubleArray().Select(v => v * v).Average(), bound * bound / 3 * 0.9, bound * bound / 3 * 1.1);
    }

    [Fact]
    public void Linear_rejects_a_feature_mismatch_naming_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new Linear(3, 2).Forward(Tensor.Zeros([4, 5])));
        Assert.Contains("(4, 5)", e.Message);
        Assert.Contains("(2, 3)", e.Message);
    }

    [Theory]
    [InlineData(new[] { 6, 3 })]
    [InlineData(new[] { 2, 3, 4 })]
    public void BatchNorm1d_training_gradients_match_finite_differences(int[] shape)
    {
        var g = new Generator(2);
        var x = RandN(g, shape);
        var bn = new BatchNorm1d(3, dtype: DType.Float64);
        Init.Normal(bn.Weight!, generator: g);
        Init.Normal(bn.Bias!, generator: g);
        CheckWithUpstream(() => bn.Forward(x), x, bn.Weight!, bn.Bias!);
    }

    [Fact]
    public void BatchNorm2d_updates_running_statistics_with_the_unbiased_variance_and_uses_them_in_eval()
    {
        var g = new Generator(3);
        var x = Tensor.RandN([4, 2, 3, 3], g, DType.Float64);
        var bn = new BatchNorm2d(2, momentum: 0.3, dtype: DType.Float64);
        bn.Forward(x);
        var xs = x.Permute(1, 0, 2, 3).Reshape(2, -1).ToArray<double>();
        for (int c = 0; c < 2; c++)
        {
            var values = xs.Skip(c * 36).Take(36).ToArray();
            double mean = values.Average();
            double unbiased = values.Sum(v => (v - mean) * (v - mean)) / 35;
            Assert.Equal(0.3 * mean, bn.RunningMean!.ToArray<double>()[c], 12);
            Assert.Equal(0.7 + 0.3 * unbiased, bn.RunningVar!.ToArray<double>()[c], 12);
        }
        Assert.Equal(1L, bn.NumBatchesTracked!.Item<long>());
        bn.Eval();
        var y = bn.Forward(x);
        var expected = (x - bn.RunningMean!.Reshape(1, 2, 1, 1)) / (bn.RunningVar!.Reshape(1, 2, 1, 1) + 1e-5).Sqrt();
        Assert.Equal(expected.ToArray<double>(), y.ToArray<double>());
        Assert.Equal(1L, bn.NumBatchesTracked.Item<long>());
    }

    [Fact]
    public void BatchNorm_rejects_the_wrong_rank_and_one_value_per_channel()
    {
        Assert.Throws<ArgumentException>(() => new BatchNorm2d(3).Forward(Tensor.Zeros([2, 3])));
        Assert.Throws<ArgumentException>(() => new BatchNorm1d(3).Forward(Tensor.Zeros([1, 3])));
        var e = Assert.Throws<ArgumentException>(() => new BatchNorm1d(3).Forward(Tensor.Zeros([4, 5])));
        Assert.Contains("(4, 5)", e.Message);
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 4 })]
    public void LayerNorm_gradients_match_finite_differences(int[] shape, int[] normalized)
    {
        var g = new Generator(4);
        var x = RandN(g, shape);
        var ln = new LayerNorm(normalized, dtype: DType.Float64);
        Init.Normal(ln.Weight!, generator: g);
        Init.Normal(ln.Bias!, generator: g);
        CheckWithUpstream(() => ln.Forward(x), x, ln.Weight!, ln.Bias!);
    }

    [Fact]
    public void Embedding_gradient_accumulates_repeats_and_skips_the_padding_row()
    {
        var emb = new Embedding(5, 2, paddingIdx: 1, generator: new Generator(6), dtype: DType.Float64);
        Assert.Equal(new[] { 0.0, 0.0 }, emb.Weight.Narrow(0, 1, 1).ToArray<double>());
        var idx = Tensor.FromArray(new long[] { 3, 1, 3, 0 }, 2, 2);
        var y = emb.Forward(idx);
        Assert.Equal(new[] { 2, 2, 2 }, y.Shape.ToArray());
        y.Sum().Backward();
        Assert.Equal(new[] { 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 0.0, 0.0 }, emb.Weight.Grad!.ToArray<double>());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => emb.Forward(Tensor.FromArray(new long[] { 0, 5 })));
        Assert.Contains("5", e.Message);
    }

    [Fact]
    public void Dropout_is_seeded_scales_kept_values_and_is_the_identity_in_eval()
    {
        var x = Tensor.Ones([1000]);
        var a = new Dropout(0.3, new Generator(8)).Forward(x).ToArray<float>();
        var b = new Dropout(0.3, new Generator(8)).Forward(x).ToArray<float>();
        Assert.Equal(a, b);
        Assert.All(a, v => Assert.True(v == 0f || Math.Abs(v - 1 / 0.7f) < 1e-6));
        Assert.InRange(a.Count(v => v == 0f), 240, 360);
        var d = new Dropout(0.3);
        d.Eval();
        Assert.Same(x, d.Forward(x));
    }

    [Fact]
    public void Flatten_and_Identity_reshape_as_PyTorch()
    {
        var x = Tensor.Zeros([2, 3, 4, 5]);
        Assert.Equal(new[] { 2, 60 }, new Flatten().Forward(x).Shape.ToArray());
        Assert.Equal(new[] { 2, 12, 5 }, new Flatten(1, 2).Forward(x).Shape.ToArray());
        Assert.Same(x, new Identity().Forward(x));
    }

    [Fact]
    public void Activation_modules_match_their_functions()
    {
        var x = Tensor.RandN([3, 4], new Generator(9), DType.Float64);
        Assert.Equal(Functional.Gelu(x, GeluApproximation.Tanh).ToArray<double>(), new GELU(GeluApproximation.Tanh).Forward(x).ToArray<double>());
        Assert.Equal(Functional.LeakyRelu(x, 0.2).ToArray<double>(), new LeakyReLU(0.2).Forward(x).ToArray<double>());
        Assert.Equal(x.Softmax(1).ToArray<double>(), new Softmax(1).Forward(x).ToArray<double>());
        Assert.Equal(x.LogSoftmax(0).ToArray<double>(), new LogSoftmax(0).Forward(x).ToArray<double>());
        Assert.Equal("LeakyReLU(negative_slope=0.2)", new LeakyReLU(0.2).ToString());
    }

    [Fact]
    public void Init_functions_have_the_documented_spread()
    {
        var g = new Generator(10);
        var w = Tensor.Zeros([200, 300]);
        Init.XavierUniform(w, generator: g);
        double a = Math.Sqrt(6.0 / 500);
        Assert.All(w.ToArray<float>(), v => Assert.InRange(v, -a, a));
        Init.KaimingNormal(w, mode: FanMode.FanIn, nonlinearity: "relu", generator: g);
        double std = Math.Sqrt(w.ToDoubleArray().Select(v => v * v).Average());
        Assert.InRange(std, Math.Sqrt(2.0 / 300) * 0.95, Math.Sqrt(2.0 / 300) * 1.05);
        Assert.All(Init.Constant(Tensor.Zeros([3]), 0.5).ToArray<float>(), v => Assert.Equal(0.5f, v));
        Assert.Equal((12, 8), Init.CalculateFans(Tensor.Zeros([2, 3, 2, 2])));
        Assert.Throws<ArgumentException>(() => Init.CalculateFans(Tensor.Zeros([3])));
    }
}
