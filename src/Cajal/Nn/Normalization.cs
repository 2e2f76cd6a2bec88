namespace Cajal.Nn;

/// <summary>Batch normalisation with learnable scale and shift and running statistics (the shared part of BatchNorm1d/2d).</summary>
public abstract class BatchNormBase : Module
{
    private readonly int _minRank, _maxRank;

    /// <summary>Creates the layer: weight 1, bias 0, running mean 0, running variance 1.</summary>
    protected BatchNormBase(int numFeatures, double eps, double momentum, bool affine, bool trackRunningStats, DType dtype, int minRank, int maxRank)
    {
        if (numFeatures <= 0) throw new ArgumentException($"{GetType().Name}: numFeatures must be positive, got {numFeatures}.");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        _minRank = minRank;
        _maxRank = maxRank;
        Weight = affine ? Tensor.Ones([numFeatures], dtype, requiresGrad: true) : null;
        Bias = affine ? Tensor.Zeros([numFeatures], dtype, requiresGrad: true) : null;
        if (trackRunningStats)
        {
            RunningMean = Tensor.Zeros([numFeatures], dtype);
            RunningVar = Tensor.Ones([numFeatures], dtype);
            NumBatchesTracked = Tensor.Zeros([], DType.Int64);
        }
    }

    /// <summary>The number of channels C.</summary>
    public int NumFeatures { get; }

    /// <summary>Added to the variance for stability.</summary>
    public double Eps { get; }

    /// <summary>The weight of the newest batch in the running statistics.</summary>
    public double Momentum { get; }

    /// <summary>The scale γ, (C); null without affine.</summary>
    public Tensor? Weight { get; }

    /// <summary>The shift β, (C); null without affine.</summary>
    public Tensor? Bias { get; }

    /// <summary>The running mean, (C); null without running statistics.</summary>
    public Tensor? RunningMean { get; }

    /// <summary>The running (unbiased) variance, (C); null without running statistics.</summary>
    public Tensor? RunningVar { get; }

    /// <summary>How many training batches updated the running statistics (int64 scalar, PyTorch's <c>num_batches_tracked</c>).</summary>
    public Tensor? NumBatchesTracked { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < _minRank || input.Rank > _maxRank)
            throw new ArgumentException($"{GetType().Name}: expected a {_minRank}-D{(_maxRank > _minRank ? $" or {_maxRank}-D" : "")} input, got {input.Shape}.");
        bool useBatchStats = Training || RunningMean is null;
        if (Training && NumBatchesTracked is not null)
            using (Autograd.NoGrad()) NumBatchesTracked.AddInPlace(Tensor.Ones([], DType.Int64));
        return Functional.BatchNorm(input, RunningMean, RunningVar, Weight, Bias,
            training: useBatchStats, momentum: Momentum, eps: Eps);
    }

    /// <inheritdoc/>
    protected override IEnumerable<(string Name, Tensor Value)> OwnParameters()
    {
        if (Weight is not null) yield return ("weight", Weight);
        if (Bias is not null) yield return ("bias", Bias);
    }

    /// <inheritdoc/>
    protected override IEnumerable<(string Name, Tensor Value)> OwnBuffers()
    {
        if (RunningMean is not null) yield return ("running_mean", RunningMean);
        if (RunningVar is not null) yield return ("running_var", RunningVar);
        if (NumBatchesTracked is not null) yield return ("num_batches_tracked", NumBatchesTracked);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => FormattableString.Invariant(
        $"{NumFeatures}, eps={Repr.Float(Eps)}, momentum={Repr.Float(Momentum)}, affine={(Weight is null ? "False" : "True")}, track_running_stats={(RunningMean is null ? "False" : "True")}");
}

/// <summary>Batch normalisation for (N, C) or (N, C, L) inputs.</summary>
/// <remarks>y = (x − E[x])/√(Var[x] + eps)·γ + β over N (and L) per channel.</remarks>
public sealed class BatchNorm1d : BatchNormBase
{
    /// <summary>Creates the layer.</summary>
    public BatchNorm1d(int numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool trackRunningStats = true, DType dtype = DType.Float32)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, dtype, 2, 3) { }
}

/// <summary>Batch normalisation for (N, C, H, W) inputs.</summary>
/// <remarks>y = (x − E[x])/√(Var[x] + eps)·γ + β over N, H and W per channel.</remarks>
public sealed class BatchNorm2d : BatchNormBase
{
    /// <summary>Creates the layer.</summary>
    public BatchNorm2d(int numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool trackRunningStats = true, DType dtype = DType.Float32)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, dtype, 4, 4) { }
}

/// <summary>Layer normalisation over the trailing <see cref="NormalizedShape"/> dims.</summary>
/// <remarks>y = (x − E[x])/√(Var[x] + eps)·γ + β with mean and biased variance over the last dims of each sample.</remarks>
public sealed class LayerNorm : Module
{
    /// <summary>Creates the layer: weight 1, bias 0.</summary>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        Weight = elementwiseAffine ? Tensor.Ones(normalizedShape, dtype, requiresGrad: true) : null;
        Bias = elementwiseAffine && bias ? Tensor.Zeros(normalizedShape, dtype, requiresGrad: true) : null;
    }

    /// <summary>Creates the layer over the last dimension of size <paramref name="normalizedSize"/>.</summary>
    public LayerNorm(int normalizedSize, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, DType dtype = DType.Float32)
        : this([normalizedSize], eps, elementwiseAffine, bias, dtype) { }

    /// <summary>The trailing shape normalised over.</summary>
    public IReadOnlyList<int> NormalizedShape { get; }

    /// <summary>Added to the variance for stability.</summary>
    public double Eps { get; }

    /// <summary>The scale γ; null without elementwise affine.</summary>
    public Tensor? Weight { get; }

    /// <summary>The shift β; null without it.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.LayerNorm(input, [.. NormalizedShape], Weight, Bias, Eps);

    /// <inheritdoc/>
    protected override IEnumerable<(string Name, Tensor Value)> OwnParameters()
    {
        if (Weight is not null) yield return ("weight", Weight);
        if (Bias is not null) yield return ("bias", Bias);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => FormattableString.Invariant(
        $"({string.Join(", ", NormalizedShape)},), eps={Repr.Float(Eps)}, elementwise_affine={(Weight is null ? "False" : "True")}");
}
