using System.Numerics;
using Cajal.Kernels;

namespace Cajal.Optim;

/// <summary>RMSprop: steps divided by a running root-mean-square of the gradient, optionally centered and with momentum.</summary>
/// <remarks>
/// PyTorch 1.13's rule, per parameter p with gradient g:
/// <code>
/// g ← −g if maximize;   g ← g + wd·p
/// s ← α·s + (1 − α)·g²
/// centered: a ← α·a + (1 − α)·g,  denom = √(s − a²) + eps;   otherwise denom = √s + eps
/// μ &gt; 0: b ← μ·b + g/denom,  p ← p − lr·b;   otherwise p ← p − lr·g/denom
/// </code>
/// State: <c>step</c>, <c>square_avg</c> (s), <c>grad_avg</c> (a, centered) and <c>momentum_buffer</c> (b, μ &gt; 0).
/// </remarks>
public sealed class RmsProp : Optimizer<RmsPropOptions>
{
    /// <summary>RMSprop over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate ≥ 0.</param>
    /// <param name="alpha">Smoothing constant α ≥ 0.</param>
    /// <param name="eps">Added to the denominator, ≥ 0.</param>
    /// <param name="weightDecay">L2 penalty ≥ 0.</param>
    /// <param name="momentum">Momentum factor ≥ 0.</param>
    /// <param name="centered">Normalise by the estimated variance of the gradient.</param>
    /// <param name="maximize">Maximise instead of minimise.</param>
    /// <exception cref="ArgumentException">An option is out of range, or the parameter list is empty or invalid.</exception>
    public RmsProp(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0,
        double momentum = 0, bool centered = false, bool maximize = false)
        : base(parameters, Options(lr, alpha, eps, weightDecay, momentum, centered, maximize)) { }

    /// <summary>RMSprop over parameter groups, each overriding the defaults given here.</summary>
    /// <inheritdoc cref="RmsProp(IEnumerable{Tensor}, double, double, double, double, double, bool, bool)"/>
    public RmsProp(IEnumerable<ParamGroup<RmsPropOptions>> groups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0,
        double momentum = 0, bool centered = false, bool maximize = false)
        : base(groups, Options(lr, alpha, eps, weightDecay, momentum, centered, maximize)) { }

    private static RmsPropOptions Options(double lr, double alpha, double eps, double weightDecay, double momentum, bool centered, bool maximize) =>
        new() { Lr = lr, Alpha = alpha, Eps = eps, WeightDecay = weightDecay, Momentum = momentum, Centered = centered, Maximize = maximize };

    /// <inheritdoc/>
    protected override IReadOnlyCollection<string> StateNames(RmsPropOptions options)
    {
        var names = new List<string> { "step", "square_avg" };
        if (options.Momentum > 0) names.Add("momentum_buffer");
        if (options.Centered) names.Add("grad_avg");
        return names;
    }

    /// <inheritdoc/>
    protected override void Update(RmsPropOptions options, Tensor parameter, Tensor grad, IDictionary<string, Tensor> state)
    {
        if (!state.ContainsKey("square_avg")) state["square_avg"] = NewBuffer(parameter);
        if (options.Momentum > 0 && !state.ContainsKey("momentum_buffer")) state["momentum_buffer"] = NewBuffer(parameter);
        if (options.Centered && !state.ContainsKey("grad_avg")) state["grad_avg"] = NewBuffer(parameter);
        NextStep(state);
        var gradAvg = options.Centered ? state["grad_avg"] : null;
        var buffer = options.Momentum > 0 ? state["momentum_buffer"] : null;
        if (parameter.DType == DType.Float32) Apply<float>(options, parameter, grad, state["square_avg"], gradAvg, buffer);
        else Apply<double>(options, parameter, grad, state["square_avg"], gradAvg, buffer);
    }

    private static void Apply<T>(RmsPropOptions o, Tensor p, Tensor g, Tensor square, Tensor? gradAvg, Tensor? buffer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = new RmsPropScalars<T>(T.CreateTruncating(o.Alpha), T.CreateTruncating(1 - o.Alpha), T.CreateTruncating(o.Eps),
            T.CreateTruncating(o.WeightDecay), T.CreateTruncating(o.Momentum), T.CreateTruncating(-o.Lr), o.Maximize);
        OptimizerKernels.ForSlices(p.Count, (start, end) => OptimizerKernels.RmsProp(p.Span<T>()[start..end], g.Span<T>()[start..end],
            square.Span<T>()[start..end], gradAvg is null ? [] : gradAvg.Span<T>()[start..end],
            buffer is null ? [] : buffer.Span<T>()[start..end], s));
    }
}
