using System.Globalization;

namespace Cajal.Nn;

/// <summary>Binary cross-entropy of probabilities, with PyTorch's clamp of each log at −100: <see cref="Functional.BinaryCrossEntropy"/>.</summary>
/// <remarks>Shape: input and target (*), the same shape, values in [0, 1]; weight broadcasts to the input's shape; output (), or (*).</remarks>
public sealed class BceLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) : ReducedLoss(reduction)
{
    /// <summary>Per-element rescaling weights (constants), or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.BinaryCrossEntropy(input, target, Weight, Reduction);
}

/// <summary>Binary cross-entropy on logits, stable for any logit: <see cref="Functional.BinaryCrossEntropyWithLogits"/>.</summary>
/// <remarks>Shape: input and target (*), the same shape; weight and posWeight broadcast to the input's shape (posWeight usually (C,)); output (), or (*).</remarks>
public sealed class BceWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null) : ReducedLoss(reduction)
{
    /// <summary>Per-element rescaling weights (constants), or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>Weights of the positive term per class (constants), or null.</summary>
    public Tensor? PosWeight { get; } = posWeight;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) =>
        Functional.BinaryCrossEntropyWithLogits(input, target, Weight, Reduction, PosWeight);
}

/// <summary>Softmax, log and negative log-likelihood in one: <see cref="Functional.CrossEntropy"/>.</summary>
/// <remarks>
/// Shape: input (N, C), (N, C, d1, …, dk) or (C,); target Int64 (N), (N, d1, …, dk) or (), or probabilities with the
/// input's shape; output (), or the target's (per-position) shape for <see cref="Reduction.None"/>.
/// </remarks>
/// <example><code>var lossFn = new CrossEntropyLoss(weight: w, ignoreIndex: -100, labelSmoothing: 0.1);</code></example>
public sealed class CrossEntropyLoss : ReducedLoss
{
    /// <summary>Creates the loss with optional class weights (C), an ignored index and label smoothing ε in [0, 1].</summary>
    public CrossEntropyLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
        : base(reduction)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"CrossEntropyLoss: labelSmoothing must be in [0, 1], got {labelSmoothing}.");
        Weight = weight;
        IgnoreIndex = ignoreIndex;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>Class weights (C), constants, or null.</summary>
    public Tensor? Weight { get; }

    /// <summary>The target index that is ignored.</summary>
    public long IgnoreIndex { get; }

    /// <summary>The label smoothing ε.</summary>
    public double LabelSmoothing { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) =>
        Functional.CrossEntropy(input, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);

    /// <inheritdoc/>
    protected override string Options() => JoinOptions(base.Options(),
        IgnoreIndex == -100 ? "" : $"ignoreIndex: {IgnoreIndex}",
        LabelSmoothing == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"labelSmoothing: {LabelSmoothing}"));
}

/// <summary>Negative log-likelihood of log-probabilities: <see cref="Functional.NllLoss"/>.</summary>
/// <remarks>Shape: input (N, C), (N, C, d1, …, dk) or (C,); target Int64 (N), (N, d1, …, dk) or (); output (), or the target's shape.</remarks>
public sealed class NllLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean) : ReducedLoss(reduction)
{
    /// <summary>Class weights (C), constants, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>The target index that is ignored.</summary>
    public long IgnoreIndex { get; } = ignoreIndex;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.NllLoss(input, target, Weight, IgnoreIndex, Reduction);

    /// <inheritdoc/>
    protected override string Options() => JoinOptions(base.Options(), IgnoreIndex == -100 ? "" : $"ignoreIndex: {IgnoreIndex}");
}
