using Cajal.Kernels;

namespace Cajal.Optim;

/// <summary>Gradient clipping, as PyTorch's <c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>.</summary>
/// <remarks>
/// These live in <c>Cajal.Optim</c> (not <c>Cajal.Nn</c>) because they act on the gradients between
/// <c>Backward()</c> and <c>optimizer.Step()</c>, next to the optimizers they serve. Parameters whose Grad is null are skipped.
/// </remarks>
/// <example>
/// <code>
/// loss.Backward();
/// double norm = GradientClipping.ClipGradNorm(model.Parameters(), maxNorm: 1.0);
/// optimizer.Step();
/// </code>
/// </example>
public static class GradientClipping
{
    /// <summary>Scales all gradients together so that their joint norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    /// <remarks>
    /// total = ‖(‖g₁‖ₚ, ‖g₂‖ₚ, …)‖ₚ, the p-norm of all gradient elements as one vector (p = ∞: the largest |g|).
    /// Every gradient is multiplied by min(1, maxNorm / (total + 1e-6)), PyTorch's formula. The norm is
    /// accumulated in double for float32 gradients too.
    /// </remarks>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest allowed norm.</param>
    /// <param name="normType">p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="errorIfNonfinite">Throw when the total norm is NaN or infinite instead of scaling by NaN/0.</param>
    /// <returns>The total norm of the gradients before clipping (0 when no parameter has a gradient).</returns>
    /// <exception cref="ArgumentException">normType is not positive, or maxNorm is NaN.</exception>
    /// <exception cref="InvalidOperationException">errorIfNonfinite is set and the norm is not finite.</exception>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2.0, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(normType > 0)) throw new ArgumentException($"ClipGradNorm: normType must be > 0 or infinity, got {normType}.");
        if (double.IsNaN(maxNorm)) throw new ArgumentException("ClipGradNorm: maxNorm is NaN.");
        var grads = Grads(parameters);
        if (grads.Count == 0) return 0.0;

        double total;
        if (double.IsPositiveInfinity(normType))
        {
            total = 0;
            foreach (var g in grads)
            {
                double m = g.DType == DType.Float32 ? OptimizerKernels.MaxAbs<float>(g.Span<float>()) : OptimizerKernels.MaxAbs<double>(g.Span<double>());
                total = double.IsNaN(m) || double.IsNaN(total) ? double.NaN : Math.Max(total, m);
            }
        }
        else
        {
            // Σ over parameters of ‖g‖ₚᵖ, then the p-th root: the norm of the per-parameter norms, as PyTorch.
            double sum = 0;
            foreach (var g in grads)
            {
                double norm = normType == 2.0 ? Math.Sqrt(SumOfSquares(g)) : Math.Pow(SumOfPowers(g, normType), 1.0 / normType);
                sum += Math.Pow(norm, normType);
            }
            total = Math.Pow(sum, 1.0 / normType);
        }
        if (errorIfNonfinite && !double.IsFinite(total))
            throw new InvalidOperationException(
                $"ClipGradNorm: the total norm of order {normType} of the gradients is non-finite ({total}), so it cannot be clipped; pass errorIfNonfinite: false to scale anyway.");
        double coefficient = Math.Min(maxNorm / (total + 1e-6), 1.0);   // Math.Min keeps NaN, as torch.clamp
        foreach (var g in grads)
        {
            if (g.DType == DType.Float32) OptimizerKernels.Scale(g.Span<float>(), (float)coefficient);
            else OptimizerKernels.Scale(g.Span<double>(), coefficient);
            g.Version.Value++;
        }
        return total;
    }

    /// <summary>Clamps every gradient element into [−clipValue, clipValue], in place.</summary>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="clipValue">The largest allowed magnitude, ≥ 0.</param>
    /// <exception cref="ArgumentException">clipValue is negative or NaN.</exception>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0)) throw new ArgumentException($"ClipGradValue: clipValue must be >= 0, got {clipValue}.");
        foreach (var g in Grads(parameters))
        {
            if (g.DType == DType.Float32) OptimizerKernels.Clamp(g.Span<float>(), (float)-clipValue, (float)clipValue);
            else OptimizerKernels.Clamp(g.Span<double>(), -clipValue, clipValue);
            g.Version.Value++;
        }
    }

    /// <summary>The gradients (made contiguous in place when needed), skipping parameters without one.</summary>
    private static List<Tensor> Grads(IEnumerable<Tensor> parameters)
    {
        var grads = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var p in parameters)
        {
            if (p?.Grad is not Tensor g || !seen.Add(p)) continue;
            if (!g.DType.IsFloatingPoint()) throw new ArgumentException($"ClipGrad: a gradient has dtype {g.DType}.");
            if (!g.IsContiguous)
            {
                using (Autograd.NoGrad()) p.Grad = g = g.Detach().Clone();
            }
            grads.Add(g);
        }
        return grads;
    }

    private static double SumOfSquares(Tensor g) =>
        g.DType == DType.Float32 ? OptimizerKernels.SumOfSquares<float>(g.Span<float>()) : OptimizerKernels.SumOfSquares<double>(g.Span<double>());

    private static double SumOfPowers(Tensor g, double p) =>
        g.DType == DType.Float32 ? OptimizerKernels.SumOfPowers<float>(g.Span<float>(), p) : OptimizerKernels.SumOfPowers<double>(g.Span<double>(), p);
}
