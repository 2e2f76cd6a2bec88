using Cajal.Kernels;

namespace Cajal.Nn;

public static partial class Functional
{
    /// <summary>
    /// Cross-entropy of logits against class indices (Int64) or class probabilities (float, the input's shape):
    /// log-softmax over the class dim, then the negative log-likelihood, in one fused pass for index targets.
    /// </summary>
    /// <param name="input">Logits: (N, C), (N, C, d1, …, dk), or (C,) for one unbatched sample.</param>
    /// <param name="target">Class indices (N), (N, d1, …, dk) or () as Int64; or probabilities with the input's shape.</param>
    /// <param name="weight">Optional class weights (C), constants, e.g. larger for rare classes.</param>
    /// <param name="ignoreIndex">Index targets equal to this contribute nothing, not even to the mean's denominator.</param>
    /// <param name="reduction">None gives one loss per position, shaped like the index target.</param>
    /// <param name="labelSmoothing">ε in [0, 1]: the target becomes (1 − ε)·onehot + ε/C.</param>
    /// <remarks>
    /// With lp = log_softmax(input) over dim 1 and, per position i, keepᵢ = (tᵢ ≠ ignoreIndex):
    /// nllᵢ = −w[tᵢ]·lp[i, tᵢ]·keepᵢ, smoothᵢ = −Σ_c w[c]·lp[i, c]·keepᵢ, lossᵢ = (1 − ε)·nllᵢ + (ε/C)·smoothᵢ.
    /// Mean = Σᵢ lossᵢ / Σᵢ w[tᵢ]·keepᵢ (the count of kept positions without weights). Gradient:
    /// ∂lossᵢ/∂x[i, c] = (1 − ε)·w[tᵢ]·(softmax_c − [c = tᵢ]) + (ε/C)·(Σw·softmax_c − w[c]).
    /// Probability targets: t' = (1 − ε)·t + ε/C, lossᵢ = −Σ_c w[c]·t'[i, c]·lp[i, c], and Mean divides by the number
    /// of positions (not by the weights); ignoreIndex is unused. Equal to
    /// <c>NllLoss(LogSoftmax(input, 1), target)</c> without smoothing, and stable for logits of any size.
    /// </remarks>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
    {
        const string op = "CrossEntropy";
        int classes = ClassCount(input, target, op);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"{op}: labelSmoothing must be in [0, 1], got {labelSmoothing}.");
        var w = ClassWeights(weight, classes, input, op);
        if (target.DType.IsFloatingPoint())
            return ProbabilityCrossEntropy(input, target, w, classes, reduction, labelSmoothing);

        var (outer, inner) = IndexLayout(input, target, classes, ignoreIndex, op);
        var x = input.Detach().Contiguous();
        var t = target.Contiguous();
        double[] wd = w?.ToDoubleArray() ?? [];
        var loss = Tensor.Empty(target.Shape.ToArray(), input.DType);
        var max = new double[outer * inner];
        var logSum = new double[outer * inner];
        if (x.DType == DType.Float32)
            LossKernels.CrossEntropyForward(x.Span<float>(), t.Span<long>(), wd, outer, classes, inner, ignoreIndex, labelSmoothing, loss.Span<float>(), max, logSum);
        else
            LossKernels.CrossEntropyForward(x.Span<double>(), t.Span<long>(), wd, outer, classes, inner, ignoreIndex, labelSmoothing, loss.Span<double>(), max, logSum);
        loss = Autograd.Record(loss, op, [input], g =>
        {
            var gc = g.Contiguous();
            var dx = Tensor.EmptyLike(x);
            if (x.DType == DType.Float32)
                LossKernels.CrossEntropyBackward(x.Span<float>(), t.Span<long>(), wd, outer, classes, inner, ignoreIndex, labelSmoothing, max, logSum, gc.Span<float>(), dx.Span<float>());
            else
                LossKernels.CrossEntropyBackward(x.Span<double>(), t.Span<long>(), wd, outer, classes, inner, ignoreIndex, labelSmoothing, max, logSum, gc.Span<double>(), dx.Span<double>());
            return [dx];
        });
        return ReduceByTargetWeight(loss, t, wd, ignoreIndex, reduction, op);
    }

    /// <summary>Negative log-likelihood: −w[t]·input[t] per position, for an input that already holds log-probabilities.</summary>
    /// <remarks>
    /// Shape: input (N, C), (N, C, d1, …, dk) or (C,); target Int64 (N), (N, d1, …, dk) or (); weight (C), constants.
    /// lossᵢ = −w[tᵢ]·input[i, tᵢ], 0 where tᵢ = ignoreIndex; Mean divides by Σᵢ w[tᵢ] over kept positions.
    /// ∂lossᵢ/∂input[i, c] = −w[tᵢ] for c = tᵢ, else 0. <c>NllLoss(LogSoftmax(x, 1), t)</c> is <see cref="CrossEntropy"/>.
    /// </remarks>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        const string op = "NllLoss";
        int classes = ClassCount(input, target, op);
        var w = ClassWeights(weight, classes, input, op);
        if (target.DType != DType.Int64)
            throw new ArgumentException($"{op}: target must hold class indices as Int64, got {target.DType} {target.Shape}.");
        var (outer, inner) = IndexLayout(input, target, classes, ignoreIndex, op);
        var x = input.Detach().Contiguous();
        var t = target.Contiguous();
        double[] wd = w?.ToDoubleArray() ?? [];
        var loss = Tensor.Empty(target.Shape.ToArray(), input.DType);
        if (x.DType == DType.Float32)
            LossKernels.NllForward(x.Span<float>(), t.Span<long>(), wd, outer, classes, inner, ignoreIndex, loss.Span<float>());
        else
            LossKernels.NllForward(x.Span<double>(), t.Span<long>(), wd, outer, classes, inner, ignoreIndex, loss.Span<double>());
        loss = Autograd.Record(loss, op, [input], g =>
        {
            var gc = g.Contiguous();
            var dx = Tensor.EmptyLike(x);
            if (x.DType == DType.Float32)
                LossKernels.NllBackward(t.Span<long>(), wd, outer, classes, inner, ignoreIndex, gc.Span<float>(), dx.Span<float>());
            else
                LossKernels.NllBackward(t.Span<long>(), wd, outer, classes, inner, ignoreIndex, gc.Span<double>(), dx.Span<double>());
            return [dx];
        });
        return ReduceByTargetWeight(loss, t, wd, ignoreIndex, reduction, op);
    }

    /// <summary>KL divergence with input = log q: t·(ln t − x) per element (0 where t = 0), or eᵗ·(t − x) when <paramref name="logTarget"/>.</summary>
    /// <remarks>
    /// Shape: input and target (*), the same shape; output () or (*) for <see cref="KlDivReduction.None"/>.
    /// Σ over a row is KL(t‖q) = Σ t·ln(t/q); use <see cref="KlDivReduction.BatchMean"/> for the KL per sample,
    /// since <see cref="KlDivReduction.Mean"/> divides by every element. Gradients: ∂/∂x = −t; ∂/∂t = ln t + 1 − x
    /// (0 where t = 0, where the one-sided derivative is −∞).
    /// </remarks>
    public static Tensor KlDiv(Tensor input, Tensor target, KlDivReduction reduction = KlDivReduction.Mean, bool logTarget = false)
    {
        LossHelpers.RequirePair(input, target, "KlDiv");
        var loss = logTarget
            ? target.Exp() * (target - input)
            : LossHelpers.PairOp("KlDiv", input, target, null, null,
                (x, t, _, _, y) => LossKernels.KlDiv(x, t, y),
                (x, t, _, _, y) => LossKernels.KlDiv(x, t, y),
                (x, t, _, _, g, dx, dt) => LossKernels.KlDivBackward(x, t, g, dx, dt),
                (x, t, _, _, g, dx, dt) => LossKernels.KlDivBackward(x, t, g, dx, dt));
        return reduction switch
        {
            KlDivReduction.None => loss,
            KlDivReduction.Mean => loss.Mean(),
            KlDivReduction.Sum => loss.Sum(),
            KlDivReduction.BatchMean => loss.Sum() / (input.Rank == 0 ? 1 : input.Shape[0]),
            _ => throw new ArgumentOutOfRangeException(nameof(reduction), $"KlDiv: unknown reduction {reduction}."),
        };
    }
    // ---------------------------------------------------------------- shared by CrossEntropy and NllLoss

    /// <summary>C, the size of the class dim (dim 1, or dim 0 of an unbatched (C,) input).</summary>
    private static int ClassCount(Tensor input, Tensor target, string op)
    {
        LossHelpers.RequireFloat(input, op);
        ArgumentNullException.ThrowIfNull(target);
        if (input.Rank == 0)
            throw new ArgumentException($"{op}: input must be (C,), (N, C) or (N, C, d1, …), got a scalar {input.Shape}.");
        int classes = input.Shape[input.Rank == 1 ? 0 : 1];
        if (classes == 0) throw new ArgumentException($"{op}: input {input.Shape} has no classes (its class dim is 0).");
        return classes;
    }

    /// <summary>Checks class weights: 1-D of length C, floating point; returns them detached in the input's dtype.</summary>
    private static Tensor? ClassWeights(Tensor? weight, int classes, Tensor input, string op)
    {
        if (weight is null) return null;
        LossHelpers.RequireFloat(weight, op, "weight");
        if (weight.Rank != 1 || weight.Shape[0] != classes)
            throw new ArgumentException($"{op}: weight must have shape ({classes}), one per class of input {input.Shape}, got {weight.Shape}.");
        return weight.Detach().To(input.DType);
    }

    /// <summary>Checks an index target's dtype, shape and values; returns (outer, inner) of the (outer, C, inner) layout.</summary>
    private static (int Outer, int Inner) IndexLayout(Tensor input, Tensor target, int classes, long ignoreIndex, string op)
    {
        if (target.DType != DType.Int64)
            throw new ArgumentException($"{op}: class-index targets must be Int64, got {target.DType} {target.Shape}.");
        int[] dims = input.Shape.ToArray();
        int[] expected = dims.Length == 1 ? [] : [dims[0], .. dims[2..]];
        if (target.Shape != new Shape(expected))
            throw new ArgumentException(
                $"{op}: class-index target {target.Shape} does not match input {input.Shape}: expected {new Shape(expected)}" +
                " (probability targets must be floating point with the input's shape).");
        var t = target.Contiguous();
        int bad = LossKernels.FindBadTarget(t.Span<long>(), classes, ignoreIndex);
        if (bad >= 0)
            throw new ArgumentException(
                $"{op}: target {t.Span<long>()[bad]} at position {LossHelpers.FormatPosition(bad, expected)} is out of range for {classes} classes" +
                $" (valid: 0 to {classes - 1}, or ignoreIndex {ignoreIndex}).");
        int outer = dims.Length == 1 ? 1 : dims[0];
        int inner = 1;
        for (int i = 2; i < dims.Length; i++) inner *= dims[i];
        return (outer, inner);
    }

    /// <summary>Mean divides by Σ w[t] over the positions that are not ignored (their count without weights).</summary>
    private static Tensor ReduceByTargetWeight(Tensor loss, Tensor target, double[] weight, long ignoreIndex, Reduction reduction, string op) =>
        reduction switch
        {
            Reduction.None => loss,
            Reduction.Sum => loss.Sum(),
            Reduction.Mean => loss.Sum() / LossKernels.TargetWeightSum(target.Span<long>(), weight, ignoreIndex),
            _ => throw new ArgumentOutOfRangeException(nameof(reduction), $"{op}: unknown reduction {reduction}."),
        };

    /// <summary>Cross-entropy against class probabilities, composed from differentiable ops (the target gets a gradient too).</summary>
    private static Tensor ProbabilityCrossEntropy(Tensor input, Tensor target, Tensor? weight, int classes, Reduction reduction, double smoothing)
    {
        const string op = "CrossEntropy";
        if (target.DType != input.DType || target.Shape != input.Shape)
            throw new ArgumentException(
                $"{op}: probability target {target.DType} {target.Shape} must have the input's dtype and shape, {input.DType} {input.Shape}" +
                " (class-index targets must be Int64).");
        int classDim = input.Rank == 1 ? 0 : 1;
        var lp = input.LogSoftmax(classDim);
        var t = smoothing > 0 ? target * (1 - smoothing) + smoothing / classes : target;
        var product = lp * t;
        if (weight is not null)
        {
            var shape = Enumerable.Repeat(1, input.Rank).ToArray();
            shape[classDim] = classes;
            product = product * weight.Reshape(shape);
        }
        var loss = -product.Sum(classDim);
        return LossHelpers.Reduce(loss, reduction, op);
    }
}
