namespace Cajal.Nn;

/// <summary>Applies y = x·Wᵀ + b.</summary>
/// <remarks>
/// Shape: input (*, InFeatures) → (*, OutFeatures). Init as PyTorch: W and b from U(−1/√in, 1/√in).
/// </remarks>
public sealed class Linear : Module, IFusesRelu
{
    /// <summary>Creates the layer with PyTorch's default initialisation drawn from <paramref name="generator"/>.</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (inFeatures < 0 || outFeatures < 0)
            throw new ArgumentException($"Linear: feature counts must be non-negative, got in {inFeatures}, out {outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Tensor.Zeros([outFeatures, inFeatures], dtype, requiresGrad: true);
        Bias = bias ? Tensor.Zeros([outFeatures], dtype, requiresGrad: true) : null;
        Init.DefaultLayerInit(Weight, Bias, generator);
    }

    /// <summary>The number of input features.</summary>
    public int InFeatures { get; }

    /// <summary>The number of output features.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight, (OutFeatures, InFeatures).</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, (OutFeatures); null when created with <c>bias: false</c>.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);

    /// <summary>ReLU(Forward(input)) as one op (<see cref="Functional.LinearRelu"/>): what <see cref="Sequential"/> runs for a Linear followed by a ReLU.</summary>
    Tensor IFusesRelu.ForwardRelu(Tensor input) => Functional.LinearRelu(input, Weight, Bias);

    /// <inheritdoc/>
    protected override IEnumerable<(string Name, Tensor Value)> OwnParameters()
    {
        yield return ("weight", Weight);
        if (Bias is not null) yield return ("bias", Bias);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is null ? "False" : "True")}";
}

/// <summary>Returns its input unchanged.</summary>
public sealed class Identity : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input;
}

/// <summary>Flattens dimensions StartDim…EndDim into one.</summary>
/// <remarks>Shape: (N, C, H, W) → (N, C·H·W) with the defaults StartDim = 1, EndDim = −1.</remarks>
public sealed class Flatten : Module
{
    /// <summary>Creates the layer.</summary>
    public Flatten(int startDim = 1, int endDim = -1)
    {
        StartDim = startDim;
        EndDim = endDim;
    }

    /// <summary>The first dimension flattened.</summary>
    public int StartDim { get; }

    /// <summary>The last dimension flattened (negative counts from the end).</summary>
    public int EndDim { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Flatten(input, StartDim, EndDim);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}
