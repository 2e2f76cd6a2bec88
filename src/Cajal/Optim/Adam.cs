using System.Numerics;
using Cajal.Kernels;

namespace Cajal.Optim;

/// <summary>Adam: steps scaled by running averages of the gradient and its square, with optional AMSGrad, L2 weight decay and maximisation.</summary>
/// <remarks>
/// PyTorch 1.13's rule, per parameter p with gradient g, at step t = 1, 2, …:
/// <code>
/// g ← −g if maximize;   g ← g + wd·p
/// m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²;   v̂ ← max(v̂, v) with amsgrad, else v̂ = v
/// p ← p − (lr / (1 − β1ᵗ)) · m / (√v̂ / √(1 − β2ᵗ) + eps)
/// </code>
/// State: <c>step</c>, <c>exp_avg</c> (m), <c>exp_avg_sq</c> (v), and <c>max_exp_avg_sq</c> (v̂) with AMSGrad.
/// </remarks>
public class Adam : Optimizer<AdamOptions>
{
    private static readonly string[] Plain = ["step", "exp_avg", "exp_avg_sq"];
    private static readonly string[] WithMax = ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"];

    /// <summary>Adam over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate ≥ 0.</param>
    /// <param name="beta1">β1 in [0, 1), the first moment's decay.</param>
    /// <param name="beta2">β2 in [0, 1), the second moment's decay.</param>
    /// <param name="eps">Added to the denominator, ≥ 0.</param>
    /// <param name="weightDecay">L2 penalty ≥ 0 added to the gradient.</param>
    /// <param name="amsgrad">Use the running maximum of v.</param>
    /// <param name="maximize">Maximise instead of minimise.</param>
    /// <exception cref="ArgumentException">An option is out of range, or the parameter list is empty or invalid.</exception>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(parameters, Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)) { }

    /// <summary>Adam over parameter groups, each overriding the defaults given here.</summary>
    /// <inheritdoc cref="Adam(IEnumerable{Tensor}, double, double, double, double, double, bool, bool)"/>
    public Adam(IEnumerable<ParamGroup<AdamOptions>> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(groups, Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)) { }

    private protected static AdamOptions Options(double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool maximize) =>
        new() { Lr = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = weightDecay, Amsgrad = amsgrad, Maximize = maximize };

    /// <summary>True for AdamW: weight decay shrinks p directly instead of adding to the gradient.</summary>
    private protected virtual bool DecoupledWeightDecay => false;

    /// <inheritdoc/>
    protected override IReadOnlyCollection<string> StateNames(AdamOptions options) => options.Amsgrad ? WithMax : Plain;

    /// <inheritdoc/>
    protected override void Update(AdamOptions options, Tensor parameter, Tensor grad, IDictionary<string, Tensor> state)
    {
        if (!state.TryGetValue("exp_avg", out var m))
        {
            state["exp_avg"] = m = NewBuffer(parameter);
            state["exp_avg_sq"] = NewBuffer(parameter);
        }
        Tensor? vMax = null;
        if (options.Amsgrad && !state.TryGetValue("max_exp_avg_sq", out vMax)) state["max_exp_avg_sq"] = vMax = NewBuffer(parameter);
        long t = NextStep(state);
        if (parameter.DType == DType.Float32) Apply<float>(options, t, parameter, grad, m, state["exp_avg_sq"], vMax);
        else Apply<double>(options, t, parameter, grad, m, state["exp_avg_sq"], vMax);
    }

    private void Apply<T>(AdamOptions o, long t, Tensor p, Tensor g, Tensor m, Tensor v, Tensor? vMax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The scalars in double, as PyTorch computes them in Python, then rounded to the parameter's type.
        double biasCorrection1 = 1 - Math.Pow(o.Beta1, t);
        double biasCorrection2 = 1 - Math.Pow(o.Beta2, t);
        double stepSize = o.Lr / biasCorrection1;
        bool decoupled = DecoupledWeightDecay;
        var s = new AdamScalars<T>(
            T.CreateTruncating(o.Beta1), T.CreateTruncating(1 - o.Beta1), T.CreateTruncating(o.Beta2), T.CreateTruncating(1 - o.Beta2),
            T.CreateTruncating(o.Eps), decoupled ? T.Zero : T.CreateTruncating(o.WeightDecay),
            decoupled, T.CreateTruncating(1 - o.Lr * o.WeightDecay), T.CreateTruncating(-stepSize),
            T.CreateTruncating(Math.Sqrt(biasCorrection2)), o.Maximize);
        OptimizerKernels.ForSlices(p.Count, (start, end) => OptimizerKernels.Adam(p.Span<T>()[start..end], g.Span<T>()[start..end],
            m.Span<T>()[start..end], v.Span<T>()[start..end], vMax is null ? [] : vMax.Span<T>()[start..end], s));
    }
}

/// <summary>AdamW: Adam with decoupled weight decay, p ← p·(1 − lr·wd) before the Adam step (default wd 0.01).</summary>
/// <remarks>
/// PyTorch 1.13's rule: p ← p·(1 − lr·wd), then the <see cref="Adam"/> update without the L2 term.
/// Loshchilov and Hutter showed that decaying the weights directly, rather than through the gradient that
/// Adam rescales, regularises as intended. State as <see cref="Adam"/>.
/// </remarks>
public sealed class AdamW : Adam
{
    /// <summary>AdamW over <paramref name="parameters"/>.</summary>
    /// <inheritdoc cref="Adam(IEnumerable{Tensor}, double, double, double, double, double, bool, bool)"/>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0.01, bool amsgrad = false, bool maximize = false)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize) { }

    /// <summary>AdamW over parameter groups, each overriding the defaults given here.</summary>
    /// <inheritdoc cref="Adam(IEnumerable{Tensor}, double, double, double, double, double, bool, bool)"/>
    public AdamW(IEnumerable<ParamGroup<AdamOptions>> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0.01, bool amsgrad = false, bool maximize = false)
        : base(groups, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize) { }

    private protected override bool DecoupledWeightDecay => true;
}
