using Cajal.Kernels;

namespace Cajal.Nn;

public static partial class Functional
{
    /// <summary>Mean squared error: (x − t)² per element, reduced.</summary>
    /// <remarks>
    /// Shape: input and target (*), the same shape; output () or (*) for <see cref="Reduction.None"/>.
    /// Gradient: ∂/∂x = 2(x − t) (divided by the element count for the mean).
    /// </remarks>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        LossHelpers.RequirePair(input, target, "MseLoss");
        var d = input - target;
        return LossHelpers.Reduce(d * d, reduction, "MseLoss");
    }

    /// <summary>The article's sum of squared errors, Σ (x − t)²: <see cref="MseLoss"/> with <see cref="Reduction.Sum"/>.</summary>
    /// <remarks>Shape: input and target (*), the same shape; output (). The article's update ∂/∂x = 2(x − t) carries the factor 2.</remarks>
    public static Tensor SseLoss(Tensor input, Tensor target)
    {
        LossHelpers.RequirePair(input, target, "SseLoss");
        var d = input - target;
        return (d * d).Sum();
    }

    /// <summary>Mean absolute error: |x − t| per element, reduced; the gradient where x = t is 0.</summary>
    /// <remarks>Shape: input and target (*), the same shape; output () or (*) for <see cref="Reduction.None"/>. ∂/∂x = sign(x − t).</remarks>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        LossHelpers.RequirePair(input, target, "L1Loss");
        return LossHelpers.Reduce((input - target).Abs(), reduction, "L1Loss");
    }

    /// <summary>Smooth L1: 0.5·d²/β where |d| &lt; β, else |d| − 0.5·β, with d = x − t; β = 0 is the L1 loss.</summary>
    /// <remarks>
    /// Shape: input and target (*), the same shape; output () or (*) for <see cref="Reduction.None"/>.
    /// Gradient: ∂/∂d = clamp(d/β, −1, 1). Quadratic near 0, so small errors give small steps; linear beyond β,
    /// so outliers pull no harder than in L1.
    /// </remarks>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        LossHelpers.RequirePair(input, target, "SmoothL1Loss");
        if (!(beta >= 0) || double.IsInfinity(beta))
            throw new ArgumentOutOfRangeException(nameof(beta), $"SmoothL1Loss: beta must be finite and ≥ 0, got {beta}.");
        if (beta == 0) return L1Loss(input, target, reduction);   // PyTorch's rule: β = 0 is exactly L1
        var loss = (input - target).MapWithGrad("SmoothL1Loss",
            (d, y) => LossKernels.SmoothL1(d, y, beta),
            (d, y) => LossKernels.SmoothL1(d, y, beta),
            (d, g, dd) => LossKernels.SmoothL1Backward(d, g, dd, beta),
            (d, g, dd) => LossKernels.SmoothL1Backward(d, g, dd, beta));
        return LossHelpers.Reduce(loss, reduction, "SmoothL1Loss");
    }

    /// <summary>Huber loss: 0.5·d² where |d| &lt; δ, else δ·(|d| − 0.5·δ), with d = x − t.</summary>
    /// <remarks>
    /// Shape: input and target (*), the same shape; output () or (*) for <see cref="Reduction.None"/>.
    /// Gradient: ∂/∂d = clamp(d, −δ, δ). Equal to δ·<see cref="SmoothL1Loss"/> with β = δ.
    /// </remarks>
    public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0)
    {
        LossHelpers.RequirePair(input, target, "HuberLoss");
        if (!(delta > 0) || double.IsInfinity(delta))
            throw new ArgumentOutOfRangeException(nameof(delta), $"HuberLoss: delta must be finite and > 0, got {delta}.");
        var loss = (input - target).MapWithGrad("HuberLoss",
            (d, y) => LossKernels.Huber(d, y, delta),
            (d, y) => LossKernels.Huber(d, y, delta),
            (d, g, dd) => LossKernels.HuberBackward(d, g, dd, delta),
            (d, g, dd) => LossKernels.HuberBackward(d, g, dd, delta));
        return LossHelpers.Reduce(loss, reduction, "HuberLoss");
    }
}
