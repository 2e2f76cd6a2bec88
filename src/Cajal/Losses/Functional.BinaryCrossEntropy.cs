using Cajal.Kernels;

namespace Cajal.Nn;

public static partial class Functional
{
    /// <summary>Binary cross-entropy of probabilities: −w·[t·ln x + (1 − t)·ln(1 − x)] per element, each log clamped at −100.</summary>
    /// <remarks>
    /// Shape: input and target (*), the same shape, every value in [0, 1]; weight broadcasts to the input's shape
    /// ((C,), (N, 1) or the full shape) and is a constant; output () or (*) for <see cref="Reduction.None"/>.
    /// As PyTorch, ln 0 = −∞ is clamped to −100 (so a confident wrong answer costs 100, not ∞) and the gradient is
    /// ∂/∂x = w·(x − t)/max(x(1 − x), 1e-12f); ∂/∂t = w·(ln(1 − x) − ln x).
    /// Prefer <see cref="BinaryCrossEntropyWithLogits"/> on logits: it never needs the clamp.
    /// </remarks>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        const string op = "BinaryCrossEntropy";
        LossHelpers.RequirePair(input, target, op);
        LossHelpers.RequireProbabilities(input, op, "input");
        LossHelpers.RequireProbabilities(target, op, "target");
        var w = LossHelpers.ExpandConstant(weight, input, op, "weight");
        var loss = LossHelpers.PairOp(op, input, target, w, null,
            (x, t, wt, _, y) => LossKernels.BinaryCrossEntropy(x, t, wt, y),
            (x, t, wt, _, y) => LossKernels.BinaryCrossEntropy(x, t, wt, y),
            (x, t, wt, _, g, dx, dt) => LossKernels.BinaryCrossEntropyBackward(x, t, wt, g, dx, dt),
            (x, t, wt, _, g, dx, dt) => LossKernels.BinaryCrossEntropyBackward(x, t, wt, g, dx, dt));
        return LossHelpers.Reduce(loss, reduction, op);
    }

    /// <summary>The article's hand-written BCE: p' = clamp(p, eps, 1 − eps), the mean of −(y·ln p' + (1 − y)·ln(1 − p')).</summary>
    /// <remarks>
    /// Shape: p and y (*), the same shape, y in [0, 1]; output (). Clipping keeps ln away from 0, so the loss is at most
    /// −ln eps ≈ 16.1 for eps = 1e-7; where p lies outside [eps, 1 − eps] the gradient with respect to p is 0 (the clamp).
    /// </remarks>
    public static Tensor BceClipped(Tensor p, Tensor y, double eps = 1e-7)
    {
        LossHelpers.RequirePair(p, y, "BceClipped");
        if (!(eps > 0 && eps < 0.5))
            throw new ArgumentOutOfRangeException(nameof(eps), $"BceClipped: eps must be in (0, 0.5), got {eps}.");
        LossHelpers.RequireProbabilities(y, "BceClipped", "target");
        var clipped = p.Clamp(eps, 1 - eps);
        return (-(y * clipped.Log() + (1.0 - y) * (1.0 - clipped).Log())).Mean();
    }

    /// <summary>
    /// Binary cross-entropy on logits: −w·[pw·t·log σ(x) + (1 − t)·log(1 − σ(x))], computed without overflow at any x.
    /// </summary>
    /// <remarks>
    /// Shape: input and target (*), the same shape, target in [0, 1]; weight and posWeight broadcast to the input's
    /// shape (posWeight usually (C,), one factor per class over the last dim) and are constants; output () or (*).
    /// Written as (1 − t)·x + (1 + (pw − 1)·t)·softplus(−x), with softplus(−x) = m + ln(e^(−m) + e^(−x−m)),
    /// m = max(−x, 0), so nothing overflows at ±800. posWeight &gt; 1 raises recall of the positive class.
    /// Gradients: ∂/∂x = w·[(pw·t + 1 − t)·σ(x) − pw·t]; ∂/∂t = w·[log σ(−x) − pw·log σ(x)].
    /// </remarks>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null,
        Reduction reduction = Reduction.Mean, Tensor? posWeight = null)
    {
        const string op = "BinaryCrossEntropyWithLogits";
        LossHelpers.RequirePair(input, target, op);
        LossHelpers.RequireProbabilities(target, op, "target");
        var w = LossHelpers.ExpandConstant(weight, input, op, "weight");
        var pw = LossHelpers.ExpandConstant(posWeight, input, op, "posWeight");
        var loss = LossHelpers.PairOp(op, input, target, w, pw,
            (x, t, wt, p, y) => LossKernels.BceWithLogits(x, t, wt, p, y),
            (x, t, wt, p, y) => LossKernels.BceWithLogits(x, t, wt, p, y),
            (x, t, wt, p, g, dx, dt) => LossKernels.BceWithLogitsBackward(x, t, wt, p, g, dx, dt),
            (x, t, wt, p, g, dx, dt) => LossKernels.BceWithLogitsBackward(x, t, wt, p, g, dx, dt));
        return LossHelpers.Reduce(loss, reduction, op);
    }
}
