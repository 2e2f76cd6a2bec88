using Cajal.Nn;
using static Cajal.Tests.Core.TestData;

namespace Cajal.Tests.Core;

/// <summary>Gradient checks and reference values of the activations, in float64.</summary>
public class ActivationGradTests
{
    [Fact]
    public void Sigmoid_and_Tanh_backward_matches_finite_differences()
    {
        var rng = new Generator(60);
        var x = Normal(rng, 3, 5);
        GradCheckWithUpstream(rng, () => x.Sigmoid(), x);
        GradCheckWithUpstream(rng, () => x.Tanh(), x);
        GradCheckWithUpstream(rng, () => Functional.Sigmoid(x) * Functional.Tanh(x), x);
    }

    [Fact]
    public void Relu_backward_matches_finite_differences_away_from_zero()
    {
        var rng = new Generator(61);
        var x = AwayFromZero(rng, 3, 5);
        GradCheckWithUpstream(rng, () => x.Relu(), x);
        GradCheckWithUpstream(rng, () => Functional.Relu(x), x);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Softmax_and_LogSoftmax_backward_matches_finite_differences(int dim)
    {
        var rng = new Generator(62);
        var x = Normal(rng, 2, 3, 4);
        GradCheckWithUpstream(rng, () => x.Softmax(dim), x);
        GradCheckWithUpstream(rng, () => x.LogSoftmax(dim), x);
        GradCheckWithUpstream(rng, () => Functional.Softmax(x, dim) + Functional.LogSoftmax(x, dim), x);
    }

    [Fact]
    public void Softmax_rows_sum_to_one_and_survive_large_logits()
    {
        var x = Tensor.FromArray(new double[,] { { 1000, 1001, 1002 }, { -5, 0, 5 } });
        var s = x.Softmax(1);
        AssertClose([1.0, 1.0], s.Sum(1).ToArray<double>(), 1e-15, 0);
        var e = Math.Exp(1);
        var z = 1 + e + e * e;
        AssertClose([1 / z, e / z, e * e / z], s[0].ToArray<double>(), 1e-15, 1e-14);
        AssertClose([-Math.Log(z)], [x.LogSoftmax(1)[0, 0].Item()], 1e-15, 1e-15);
        // float32: the same logits must not lose precision to the magnitude 1000.
        var f = x.To(DType.Float32).Softmax(1)[0].ToArray<float>().Select(v => (double)v).ToArray();
        AssertClose([1 / z, e / z, e * e / z], f, 0, 3e-7, "float32");
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.2)]
    public void LeakyRelu_backward_matches_finite_differences(double slope)
    {
        var rng = new Generator(63);
        var x = AwayFromZero(rng, 3, 5);
        GradCheckWithUpstream(rng, () => Functional.LeakyRelu(x, slope), x);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void Elu_backward_matches_finite_differences(double alpha)
    {
        var rng = new Generator(64);
        var x = AwayFromZero(rng, 3, 5);
        GradCheckWithUpstream(rng, () => Functional.Elu(x, alpha), x);
    }

    [Theory]
    [InlineData(GeluApproximation.None)]
    [InlineData(GeluApproximation.Tanh)]
    public void Gelu_backward_matches_finite_differences(GeluApproximation approximate)
    {
        var rng = new Generator(65);
        var x = Normal(rng, 3, 5);
        GradCheckWithUpstream(rng, () => Functional.Gelu(x * 2.0, approximate), x);
    }

    [Theory]
    [InlineData(1.0, 20.0)]
    [InlineData(2.0, 1.0)]
    public void Softplus_backward_matches_finite_differences(double beta, double threshold)
    {
        var rng = new Generator(66);
        var x = Normal(rng, 4, 5);
        GradCheckWithUpstream(rng, () => Functional.Softplus(x, beta, threshold), x);
    }

    [Fact]
    public void Silu_backward_matches_finite_differences()
    {
        var rng = new Generator(67);
        var x = Normal(rng, 3, 5);
        GradCheckWithUpstream(rng, () => Functional.Silu(x), x);
    }

    [Fact]
    public void Activations_match_their_formulas()
    {
        double[] xs = [-3, -1, -0.25, 0.5, 2, 30];
        var x = Tensor.FromArray(xs);
        static double Phi(double v) => 0.5 * (1 + Kernels.Special.Erf(v / Math.Sqrt(2)));
        AssertClose(xs.Select(v => 1 / (1 + Math.Exp(-v))).ToArray(), x.Sigmoid().ToArray<double>(), 1e-15, 1e-14, "Sigmoid");
        AssertClose(xs.Select(Math.Tanh).ToArray(), x.Tanh().ToArray<double>(), 1e-15, 1e-14, "Tanh");
        AssertClose(xs.Select(v => Math.Max(v, 0)).ToArray(), x.Relu().ToArray<double>(), 0, 0, "Relu");
        AssertClose(xs.Select(v => v > 0 ? v : 0.1 * v).ToArray(), Functional.LeakyRelu(x, 0.1).ToArray<double>(), 0, 0, "LeakyRelu");
        AssertClose(xs.Select(v => v > 0 ? v : 0.7 * (Math.Exp(v) - 1)).ToArray(), Functional.Elu(x, 0.7).ToArray<double>(), 1e-15, 1e-14, "Elu");
        AssertClose(xs.Select(v => v * Phi(v)).ToArray(), Functional.Gelu(x).ToArray<double>(), 1e-15, 1e-14, "Gelu");
        AssertClose(xs.Select(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))).ToArray(),
            Functional.Gelu(x, GeluApproximation.Tanh).ToArray<double>(), 1e-15, 1e-14, "Gelu tanh");
        AssertClose(xs.Select(v => v > 20 ? v : Math.Log(1 + Math.Exp(v))).ToArray(), Functional.Softplus(x).ToArray<double>(), 1e-15, 1e-14, "Softplus");
        AssertClose(xs.Select(v => v / (1 + Math.Exp(-v))).ToArray(), Functional.Silu(x).ToArray<double>(), 1e-15, 1e-14, "Silu");
        // PyTorch: gelu(1.0) = 0.8413447460685429, gelu(1.0, approximate='tanh') = 0.8411919906082768
        Assert.Equal(0.8413447460685429, Functional.Gelu(Tensor.Scalar(1.0, DType.Float64)).Item(), 14);
        Assert.Equal(0.8411919906082768, Functional.Gelu(Tensor.Scalar(1.0, DType.Float64), GeluApproximation.Tanh).Item(), 14);
    }

    private static void ReluBackward_matches_the_reference<T>(ulong seed) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Generator(seed);
        for (int n = 0; n <= ElementwiseKernelTests.MaxLength; n++)
        {
            var y = ElementwiseKernelTests.Data<T>(rng, n);   // with ±0, NaN, tiny and huge values
            var g = ElementwiseKernelTests.Data<T>(rng, n);
            var dx = new T[n];
            Cajal.Kernels.Activations.ReluBackward<T>(y, g, dx);
            for (int i = 0; i < n; i++)
                Assert.Equal(y[i] > T.Zero ? g[i] : T.Zero, dx[i]);   // plain reference: 0 at y = 0 and y = NaN
        }
    }

    [Fact]
    public void ReluBackward_kernel_matches_the_scalar_rule_for_every_tail_length()
    {
        ReluBackward_matches_the_reference<float>(70);
        ReluBackward_matches_the_reference<double>(71);
    }

    private static void OutputBackward_matches_the_reference<T>(ulong seed) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Generator(seed);
        for (int n = 0; n <= ElementwiseKernelTests.MaxLength; n++)
        {
            var y = ElementwiseKernelTests.Data<T>(rng, n);
            var g = ElementwiseKernelTests.Data<T>(rng, n);
            var sigmoid = new T[n];
            var tanh = new T[n];
            Cajal.Kernels.Activations.SigmoidBackward<T>(y, g, sigmoid);
            Cajal.Kernels.Activations.TanhBackward<T>(y, g, tanh);
            for (int i = 0; i < n; i++)
            {
                // Plain references, rounded after each operation as the unfused g * (1 − y) * y and g * (1 − y·y) were.
                T s = g[i] * (T.One - y[i]);
                Assert.Equal(s * y[i], sigmoid[i]);
                T t = y[i] * y[i];
                Assert.Equal(g[i] * (T.One - t), tanh[i]);
            }
        }
    }

    [Fact]
    public void Sigmoid_and_tanh_backward_kernels_match_the_scalar_rule_for_every_tail_length()
    {
        OutputBackward_matches_the_reference<float>(72);
        OutputBackward_matches_the_reference<double>(73);
    }

    [Fact]
    public void Relu_gradient_is_zero_where_the_output_is_not_positive_even_for_infinite_upstream()
    {
        var x = Tensor.FromArray(new[] { -1.0, 0.0, 2.0, double.NaN }, 4);
        x.RequiresGrad = true;
        x.Relu().Backward(Tensor.FromArray(new[] { double.PositiveInfinity, 5.0, 3.0, 7.0 }, 4));
        Assert.Equal(new[] { 0.0, 0.0, 3.0, 0.0 }, x.Grad!.ToArray<double>());   // 0 at y = 0 as PyTorch; 0 also at NaN (PyTorch passes g there)
    }

    [Fact]
    public void Relu_and_LeakyRelu_gradients_at_zero_follow_PyTorch()
    {
        var x = Tensor.Zeros([1], DType.Float64, requiresGrad: true);
        x.Relu().Sum().Backward();
        Assert.Equal(0.0, x.Grad!.Item());
        x.Grad = null;
        Functional.LeakyRelu(x, 0.1).Sum().Backward();
        Assert.Equal(0.1, x.Grad!.Item());
    }

    [Fact]
    public void Activations_of_empty_tensors_are_empty()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.Zeros([0, 3], dtype);
            Assert.Equal(new[] { 0, 3 }, x.Sigmoid().Shape.ToArray());
            Assert.Equal(new[] { 0, 3 }, x.Tanh().Shape.ToArray());
            Assert.Equal(new[] { 0, 3 }, x.Relu().Shape.ToArray());
            Assert.Equal(new[] { 0, 3 }, x.Exp().Shape.ToArray());
            Assert.Equal(new[] { 0, 3 }, Functional.Gelu(x).Shape.ToArray());
            Assert.Equal(new[] { 0, 3 }, x.Softmax(1).Shape.ToArray());
        }
    }
}
