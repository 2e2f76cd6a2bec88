namespace Cajal.Nn;

/// <summary>The fan used by Kaiming initialisation.</summary>
public enum FanMode
{
    /// <summary>Inputs per output unit: preserves the variance of activations in the forward pass.</summary>
    FanIn,

    /// <summary>Outputs per input unit: preserves the variance of gradients in the backward pass.</summary>
    FanOut,
}

/// <summary>Parameter initialisation in place, as <c>torch.nn.init</c>; every random draw comes from a <see cref="Generator"/>.</summary>
/// <remarks>
/// For a weight of shape (out, in, k1, k2, …), fan_in = in·k1·k2·… and fan_out = out·k1·k2·…
/// Each method fills the tensor without recording a gradient and returns it.
/// </remarks>
public static class Init
{
    /// <summary>(fan_in, fan_out) of a weight tensor of rank ≥ 2.</summary>
    public static (int FanIn, int FanOut) CalculateFans(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank < 2)
            throw new ArgumentException($"Init: fan in and fan out need a tensor of at least 2 dimensions, got shape {tensor.Shape}.");
        int receptive = 1;
        for (int i = 2; i < tensor.Rank; i++) receptive *= tensor.Size(i);
        return (tensor.Size(1) * receptive, tensor.Size(0) * receptive);
    }

    /// <summary>The recommended gain for a nonlinearity: 1 for linear/sigmoid, 5/3 for tanh, √2 for relu, √(2/(1+a²)) for leaky relu.</summary>
    public static double CalculateGain(string nonlinearity, double param = 0.01) => nonlinearity switch
    {
        "linear" or "conv1d" or "conv2d" or "conv3d" or "sigmoid" => 1.0,
        "tanh" => 5.0 / 3.0,
        "relu" => Math.Sqrt(2.0),
        "leaky_relu" => Math.Sqrt(2.0 / (1 + param * param)),
        "selu" => 3.0 / 4.0,
        _ => throw new ArgumentException($"Init.CalculateGain: unknown nonlinearity '{nonlinearity}'."),
    };

    private static Tensor Fill(Tensor tensor, Tensor values)
    {
        using (Autograd.NoGrad()) tensor.CopyFrom(values);
        return tensor;
    }

    /// <summary>Fills with U(a, b).</summary>
    public static Tensor Uniform(Tensor tensor, double a = 0.0, double b = 1.0, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var u = Tensor.Rand(tensor.Shape.ToArray(), generator, DType.Float64);
        return Fill(tensor, u * (b - a) + a);
    }

    /// <summary>Fills with N(mean, std²).</summary>
    public static Tensor Normal(Tensor tensor, double mean = 0.0, double std = 1.0, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var n = Tensor.RandN(tensor.Shape.ToArray(), generator, DType.Float64);
        return Fill(tensor, n * std + mean);
    }

    /// <summary>Fills with a constant.</summary>
    public static Tensor Constant(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Autograd.NoGrad()) tensor.Fill(value);
        return tensor;
    }

    /// <summary>Fills with zeros.</summary>
    public static Tensor Zeros(Tensor tensor) => Constant(tensor, 0.0);

    /// <summary>Fills with ones.</summary>
    public static Tensor Ones(Tensor tensor) => Constant(tensor, 1.0);

    /// <summary>Glorot uniform: U(−a, a) with a = gain·√(6/(fan_in + fan_out)).</summary>
    public static Tensor XavierUniform(Tensor tensor, double gain = 1.0, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFans(tensor);
        double a = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        return Uniform(tensor, -a, a, generator);
    }

    /// <summary>Glorot normal: N(0, std²) with std = gain·√(2/(fan_in + fan_out)).</summary>
    public static Tensor XavierNormal(Tensor tensor, double gain = 1.0, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFans(tensor);
        return Normal(tensor, 0.0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    /// <summary>He uniform: U(−b, b) with b = gain·√(3/fan), gain from <paramref name="nonlinearity"/> and <paramref name="a"/>.</summary>
    public static Tensor KaimingUniform(Tensor tensor, double a = 0.0, FanMode mode = FanMode.FanIn, string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFans(tensor);
        int fan = mode == FanMode.FanIn ? fanIn : fanOut;
        double bound = CalculateGain(nonlinearity, a) * Math.Sqrt(3.0 / fan);
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>He normal: N(0, std²) with std = gain/√fan.</summary>
    public static Tensor KaimingNormal(Tensor tensor, double a = 0.0, FanMode mode = FanMode.FanIn, string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFans(tensor);
        int fan = mode == FanMode.FanIn ? fanIn : fanOut;
        return Normal(tensor, 0.0, CalculateGain(nonlinearity, a) / Math.Sqrt(fan), generator);
    }

    /// <summary>
    /// PyTorch's default for Linear and Conv layers: weight by Kaiming uniform with a = √5, i.e. U(−1/√fan_in, 1/√fan_in),
    /// and the bias U(−1/√fan_in, 1/√fan_in).
    /// </summary>
    internal static void DefaultLayerInit(Tensor weight, Tensor? bias, Generator? generator)
    {
        KaimingUniform(weight, a: Math.Sqrt(5.0), generator: generator);
        if (bias is not null)
        {
            int fanIn = CalculateFans(weight).FanIn;
            double bound = fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0.0;
            Uniform(bias, -bound, bound, generator);
        }
    }
}
