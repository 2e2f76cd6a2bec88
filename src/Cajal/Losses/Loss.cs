namespace Cajal.Nn;

/// <summary>The base of the loss modules: a function of a prediction and a target with its options fixed at construction.</summary>
/// <remarks>
/// Losses take two inputs, so they are not <c>Module</c>s (which map one input); they hold no parameters.
/// Each loss is a thin wrapper over its <see cref="Functional"/> form, as <c>torch.nn</c> losses over <c>torch.nn.functional</c>.
/// </remarks>
public abstract class Loss
{
    /// <summary>Computes the loss of <paramref name="input"/> (the prediction) against <paramref name="target"/>.</summary>
    public abstract Tensor Forward(Tensor input, Tensor target);

    /// <summary>The type name with its options, e.g. <c>CrossEntropyLoss(reduction: Mean, labelSmoothing: 0.1)</c>.</summary>
    public override string ToString() => $"{GetType().Name}({Options()})";

    /// <summary>The options that differ from the defaults, as <c>name: value</c> pairs; empty by default.</summary>
    protected virtual string Options() => "";

    /// <summary>Joins the non-empty option strings with commas.</summary>
    protected static string JoinOptions(params string[] parts) => string.Join(", ", parts.Where(p => p.Length > 0));
}

/// <summary>A loss with a <see cref="Nn.Reduction"/> (all but <see cref="KlDivLoss"/> and <see cref="SseLoss"/>).</summary>
public abstract class ReducedLoss : Loss
{
    /// <summary>Stores the reduction.</summary>
    protected ReducedLoss(Reduction reduction)
    {
        if (!Enum.IsDefined(reduction))
            throw new ArgumentOutOfRangeException(nameof(reduction), $"{GetType().Name}: unknown reduction {reduction}.");
        Reduction = reduction;
    }

    /// <summary>How per-element losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <inheritdoc/>
    protected override string Options() => Reduction == Reduction.Mean ? "" : $"reduction: {Reduction}";
}

/// <summary>Mean squared error, (x − t)² reduced: <see cref="Functional.MseLoss"/>.</summary>
/// <remarks>Shape: input and target (*), the same shape; output (), or (*) for <see cref="Reduction.None"/>.</remarks>
public sealed class MseLoss(Reduction reduction = Reduction.Mean) : ReducedLoss(reduction)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.MseLoss(input, target, Reduction);
}

/// <summary>The article's sum of squared errors, Σ (x − t)²: <see cref="Functional.SseLoss"/>.</summary>
/// <remarks>Shape: input and target (*), the same shape; output ().</remarks>
public sealed class SseLoss : Loss
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.SseLoss(input, target);
}

/// <summary>Mean absolute error, |x − t| reduced: <see cref="Functional.L1Loss"/>.</summary>
/// <remarks>Shape: input and target (*), the same shape; output (), or (*) for <see cref="Reduction.None"/>.</remarks>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : ReducedLoss(reduction)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.L1Loss(input, target, Reduction);
}

/// <summary>Smooth L1: 0.5·d²/β where |d| &lt; β, else |d| − 0.5·β: <see cref="Functional.SmoothL1Loss"/>.</summary>
/// <remarks>Shape: input and target (*), the same shape; output (), or (*) for <see cref="Reduction.None"/>.</remarks>
public sealed class SmoothL1Loss : ReducedLoss
{
    /// <summary>Creates the loss; <paramref name="beta"/> ≥ 0 is where it turns from quadratic to linear.</summary>
    public SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0) : base(reduction)
    {
        if (!(beta >= 0) || double.IsInfinity(beta))
            throw new ArgumentOutOfRangeException(nameof(beta), $"SmoothL1Loss: beta must be finite and ≥ 0, got {beta}.");
        Beta = beta;
    }

    /// <summary>The threshold β between the quadratic and the linear part.</summary>
    public double Beta { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.SmoothL1Loss(input, target, Reduction, Beta);

    /// <inheritdoc/>
    protected override string Options() => JoinOptions(base.Options(), Beta == 1.0 ? "" : $"beta: {Beta}");
}

/// <summary>Huber: 0.5·d² where |d| &lt; δ, else δ·(|d| − 0.5·δ): <see cref="Functional.HuberLoss"/>.</summary>
/// <remarks>Shape: input and target (*), the same shape; output (), or (*) for <see cref="Reduction.None"/>.</remarks>
public sealed class HuberLoss : ReducedLoss
{
    /// <summary>Creates the loss; <paramref name="delta"/> &gt; 0 is where it turns from quadratic to linear.</summary>
    public HuberLoss(Reduction reduction = Reduction.Mean, double delta = 1.0) : base(reduction)
    {
        if (!(delta > 0) || double.IsInfinity(delta))
            throw new ArgumentOutOfRangeException(nameof(delta), $"HuberLoss: delta must be finite and > 0, got {delta}.");
        Delta = delta;
    }

    /// <summary>The threshold δ between the quadratic and the linear part.</summary>
    public double Delta { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.HuberLoss(input, target, Reduction, Delta);

    /// <inheritdoc/>
    protected override string Options() => JoinOptions(base.Options(), Delta == 1.0 ? "" : $"delta: {Delta}");
}

/// <summary>KL divergence with the input as log-probabilities: <see cref="Functional.KlDiv"/>.</summary>
/// <remarks>
/// Shape: input and target (*), the same shape; output (), or (*) for <see cref="KlDivReduction.None"/>.
/// Use <see cref="KlDivReduction.BatchMean"/> for the KL divergence per sample.
/// </remarks>
public sealed class KlDivLoss : Loss
{
    /// <summary>Creates the loss; <paramref name="logTarget"/> says that the target holds log-probabilities too.</summary>
    public KlDivLoss(KlDivReduction reduction = KlDivReduction.Mean, bool logTarget = false)
    {
        if (!Enum.IsDefined(reduction))
            throw new ArgumentOutOfRangeException(nameof(reduction), $"KlDivLoss: unknown reduction {reduction}.");
        Reduction = reduction;
        LogTarget = logTarget;
    }

    /// <summary>How per-element values are combined.</summary>
    public KlDivReduction Reduction { get; }

    /// <summary>Whether the target holds log-probabilities.</summary>
    public bool LogTarget { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.KlDiv(input, target, Reduction, LogTarget);

    /// <inheritdoc/>
    protected override string Options() => JoinOptions(
        Reduction == KlDivReduction.Mean ? "" : $"reduction: {Reduction}", LogTarget ? "logTarget: true" : "");
}
