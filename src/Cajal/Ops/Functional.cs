using Cajal.Kernels;

namespace Cajal.Nn;

/// <summary>How <see cref="Functional.Gelu"/> computes Φ(x).</summary>
public enum GeluApproximation
{
    /// <summary>The exact Gaussian CDF through erf (PyTorch's <c>approximate='none'</c>).</summary>
    None,

    /// <summary>The tanh approximation (PyTorch's <c>approximate='tanh'</c>).</summary>
    Tanh,
}

/// <summary>Stateless functions on tensors, as PyTorch's <c>torch.nn.functional</c>.</summary>
public static partial class Functional
{
    /// <summary>σ(x) = 1/(1 + e⁻ˣ).</summary>
    public static Tensor Sigmoid(Tensor input) => input.Sigmoid();

    /// <summary>tanh(x).</summary>
    public static Tensor Tanh(Tensor input) => input.Tanh();

    /// <summary>max(x, 0).</summary>
    public static Tensor Relu(Tensor input) => input.Relu();

    /// <summary>x for x &gt; 0, else negativeSlope·x.</summary>
    public static Tensor LeakyRelu(Tensor input, double negativeSlope = 0.01) =>
        input.MapWithGrad("LeakyRelu",
            (x, y) => Activations.LeakyRelu(x, y, (float)negativeSlope),
            (x, y) => Activations.LeakyRelu(x, y, negativeSlope),
            (x, g, dx) => Activations.LeakyReluBackward(x, g, dx, (float)negativeSlope),
            (x, g, dx) => Activations.LeakyReluBackward(x, g, dx, negativeSlope));

    /// <summary>x for x &gt; 0, else α(eˣ − 1).</summary>
    public static Tensor Elu(Tensor input, double alpha = 1.0) =>
        input.MapWithGrad("Elu",
            (x, y) => Activations.Elu(x, y, (float)alpha),
            (x, y) => Activations.Elu(x, y, alpha),
            (x, g, dx) => Activations.EluBackward(x, g, dx, (float)alpha),
            (x, g, dx) => Activations.EluBackward(x, g, dx, alpha));

    /// <summary>GELU: x·Φ(x), Φ the standard normal CDF (exact, or the tanh approximation).</summary>
    public static Tensor Gelu(Tensor input, GeluApproximation approximate = GeluApproximation.None)
    {
        bool tanh = approximate == GeluApproximation.Tanh;
        return input.MapWithGrad("Gelu",
            (x, y) => Activations.Gelu(x, y, tanh),
            (x, y) => Activations.Gelu(x, y, tanh),
            (x, g, dx) => Activations.GeluBackward(x, g, dx, tanh),
            (x, g, dx) => Activations.GeluBackward(x, g, dx, tanh));
    }

    /// <summary>log(1 + e^(βx))/β, reverting to x where βx &gt; threshold.</summary>
    public static Tensor Softplus(Tensor input, double beta = 1.0, double threshold = 20.0) =>
        input.MapWithGrad("Softplus",
            (x, y) => Activations.Softplus(x, y, beta, threshold),
            (x, y) => Activations.Softplus(x, y, beta, threshold),
            (x, g, dx) => Activations.SoftplusBackward(x, g, dx, beta, threshold),
            (x, g, dx) => Activations.SoftplusBackward(x, g, dx, beta, threshold));

    /// <summary>SiLU (swish): x·σ(x).</summary>
    public static Tensor Silu(Tensor input) => input * input.Sigmoid();

    /// <summary>Softmax along <paramref name="dim"/>.</summary>
    public static Tensor Softmax(Tensor input, int dim) => input.Softmax(dim);

    /// <summary>Log-softmax along <paramref name="dim"/>.</summary>
    public static Tensor LogSoftmax(Tensor input, int dim) => input.LogSoftmax(dim);
}
