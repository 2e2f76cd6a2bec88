using System.Numerics;
using Cajal.Kernels;

namespace Cajal.Optim;

/// <summary>Adagrad: each coordinate's step is divided by the root of its accumulated squared gradients.</summary>
/// <remarks>
/// PyTorch 1.13's rule, per parameter p with gradient g, at step t = 1, 2, …:
/// <code>
/// g ← −g if maximize;   g ← g + wd·p
/// clr = lr / (1 + (t − 1)·lr_decay)
/// S ← S + g²   (S starts at initial_accumulator_value)
/// p ← p − clr·g / (√S + eps)
/// </code>
/// State: <c>step</c> and <c>sum</c> (S), created for every parameter when the optimizer is built, as PyTorch.
/// </remarks>
public sealed class Adagrad : Optimizer<AdagradOptions>
{
    private static readonly string[] Names = ["step", "sum"];

    /// <summary>Adagrad over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate ≥ 0.</param>
    /// <param name="lrDecay">Learning-rate decay ≥ 0.</param>
    /// <param name="weightDecay">L2 penalty ≥ 0.</param>
    /// <param name="initialAccumulatorValue">Starting value of S, ≥ 0.</param>
    /// <param name="eps">Added to the denominator, ≥ 0.</param>
    /// <param name="maximize">Maximise instead of minimise.</param>
    /// <exception cref="ArgumentException">An option is out of range, or the parameter list is empty or invalid.</exception>
    public Adagrad(IEnumerable<Tensor> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : base(parameters, Options(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize)) { }

    /// <summary>Adagrad over parameter groups, each overriding the defaults given here.</summary>
    /// <inheritdoc cref="Adagrad(IEnumerable{Tensor}, double, double, double, double, double, bool)"/>
    public Adagrad(IEnumerable<ParamGroup<AdagradOptions>> groups, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : base(groups, Options(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize)) { }

    private static AdagradOptions Options(double lr, double lrDecay, double weightDecay, double initial, double eps, bool maximize) =>
        new() { Lr = lr, LrDecay = lrDecay, WeightDecay = weightDecay, InitialAccumulatorValue = initial, Eps = eps, Maximize = maximize };

    /// <inheritdoc/>
    protected override IReadOnlyCollection<string> StateNames(AdagradOptions options) => Names;

    /// <inheritdoc/>
    protected override void InitializeState(AdagradOptions options, Tensor parameter, IDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        state["step"] = Tensor.Scalar(0.0, DType.Float64);
        state["sum"] = NewBuffer(parameter, options.InitialAccumulatorValue);
    }

    /// <inheritdoc/>
    protected override void Update(AdagradOptions options, Tensor parameter, Tensor grad, IDictionary<string, Tensor> state)
    {
        if (!state.ContainsKey("sum")) InitializeState(options, parameter, state);
        long t = NextStep(state);
        double clr = options.Lr / (1 + (t - 1) * options.LrDecay);
        if (parameter.DType == DType.Float32) Apply<float>(options, -clr, parameter, grad, state["sum"]);
        else Apply<double>(options, -clr, parameter, grad, state["sum"]);
    }

    private static void Apply<T>(AdagradOptions o, double negClr, Tensor p, Tensor g, Tensor sum)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        OptimizerKernels.ForSlices(p.Count, (start, end) => OptimizerKernels.Adagrad(p.Span<T>()[start..end], g.Span<T>()[start..end],
            sum.Span<T>()[start..end], T.CreateTruncating(negClr), T.CreateTruncating(o.Eps), T.CreateTruncating(o.WeightDecay), o.Maximize));
}
