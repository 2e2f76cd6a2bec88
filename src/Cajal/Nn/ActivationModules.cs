namespace Cajal.Nn;

/// <summary>σ(x) = 1/(1 + e⁻ˣ) element-wise.</summary>
public sealed class Sigmoid : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Sigmoid(input);
}

/// <summary>tanh(x) element-wise.</summary>
public sealed class Tanh : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Tanh(input);
}

/// <summary>max(x, 0) element-wise.</summary>
public sealed class ReLU : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Relu(input);
}

/// <summary>x for x &gt; 0, else NegativeSlope·x.</summary>
/// <param name="negativeSlope">The slope for negative inputs.</param>
public sealed class LeakyReLU(double negativeSlope = 0.01) : Module
{
    /// <summary>The slope for negative inputs.</summary>
    public double NegativeSlope { get; } = negativeSlope;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.LeakyRelu(input, NegativeSlope);

    /// <inheritdoc/>
    protected override string ExtraRepr() => FormattableString.Invariant($"negative_slope={Repr.Float(NegativeSlope)}");
}

/// <summary>x for x &gt; 0, else α(eˣ − 1).</summary>
/// <param name="alpha">The value approached for large negative inputs is −alpha.</param>
public sealed class ELU(double alpha = 1.0) : Module
{
    /// <summary>α.</summary>
    public double Alpha { get; } = alpha;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Elu(input, Alpha);

    /// <inheritdoc/>
    protected override string ExtraRepr() => FormattableString.Invariant($"alpha={Repr.Float(Alpha)}");
}

/// <summary>x·Φ(x), exact or with the tanh approximation.</summary>
/// <param name="approximate">How Φ is computed.</param>
public sealed class GELU(GeluApproximation approximate = GeluApproximation.None) : Module
{
    /// <summary>How Φ is computed.</summary>
    public GeluApproximation Approximate { get; } = approximate;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Gelu(input, Approximate);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"approximate='{(Approximate == GeluApproximation.Tanh ? "tanh" : "none")}'";
}

/// <summary>log(1 + e^(βx))/β, linear above the threshold.</summary>
/// <param name="beta">β.</param>
/// <param name="threshold">Above βx = threshold the function is x.</param>
public sealed class Softplus(double beta = 1.0, double threshold = 20.0) : Module
{
    /// <summary>β.</summary>
    public double Beta { get; } = beta;

    /// <summary>The switch to the identity.</summary>
    public double Threshold { get; } = threshold;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Softplus(input, Beta, Threshold);

    /// <inheritdoc/>
    protected override string ExtraRepr() => FormattableString.Invariant($"beta={Repr.Float(Beta)}, threshold={Repr.Float(Threshold)}");
}

/// <summary>x·σ(x) (swish).</summary>
public sealed class SiLU : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Silu(input);
}

/// <summary>Softmax along Dim.</summary>
/// <param name="dim">The dimension that sums to 1.</param>
public sealed class Softmax(int dim) : Module
{
    /// <summary>The dimension that sums to 1.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Softmax(input, Dim);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>Log-softmax along Dim.</summary>
/// <param name="dim">The dimension normalised over.</param>
public sealed class LogSoftmax(int dim) : Module
{
    /// <summary>The dimension normalised over.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.LogSoftmax(input, Dim);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"dim={Dim}";
}
