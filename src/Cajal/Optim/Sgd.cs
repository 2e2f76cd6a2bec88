using Cajal.Kernels;

namespace Cajal.Optim;

/// <summary>Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, weight decay and maximisation.</summary>
/// <remarks>
/// PyTorch 1.13's rule, per parameter p with gradient g:
/// <code>
/// g ← −g if maximize;   g ← g + wd·p
/// if μ ≠ 0:  b ← g on the first step, else b ← μ·b + (1 − dampening)·g
///            g ← g + μ·b if nesterov, else g ← b
/// p ← p − lr·g
/// </code>
/// State: <c>momentum_buffer</c> (when μ ≠ 0).
/// </remarks>
public sealed class Sgd : Optimizer<SgdOptions>
{
    private static readonly string[] MomentumState = ["momentum_buffer"];

    /// <summary>SGD over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate (required, ≥ 0).</param>
    /// <param name="momentum">Momentum factor μ ≥ 0.</param>
    /// <param name="dampening">Dampening of the momentum.</param>
    /// <param name="weightDecay">L2 penalty ≥ 0.</param>
    /// <param name="nesterov">Nesterov momentum (needs momentum &gt; 0 and dampening 0).</param>
    /// <param name="maximize">Maximise instead of minimise.</param>
    /// <exception cref="ArgumentException">An option is out of range, or the parameter list is empty or invalid.</exception>
    public Sgd(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false, bool maximize = false)
        : base(parameters, Options(lr, momentum, dampening, weightDecay, nesterov, maximize)) { }

    /// <summary>SGD over parameter groups, each overriding the defaults given here.</summary>
    /// <inheritdoc cref="Sgd(IEnumerable{Tensor}, double, double, double, double, bool, bool)"/>
    public Sgd(IEnumerable<ParamGroup<SgdOptions>> groups, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false, bool maximize = false)
        : base(groups, Options(lr, momentum, dampening, weightDecay, nesterov, maximize)) { }

    private static SgdOptions Options(double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool maximize) =>
        new() { Lr = lr, Momentum = momentum, Dampening = dampening, WeightDecay = weightDecay, Nesterov = nesterov, Maximize = maximize };

    /// <inheritdoc/>
    protected override IReadOnlyCollection<string> StateNames(SgdOptions options) => options.Momentum != 0 ? MomentumState : [];

    /// <inheritdoc/>
    protected override void Update(SgdOptions options, Tensor parameter, Tensor grad, IDictionary<string, Tensor> state)
    {
        Tensor? buffer = null;
        bool first = false;
        if (options.Momentum != 0 && !state.TryGetValue("momentum_buffer", out buffer))
        {
            state["momentum_buffer"] = buffer = NewBuffer(parameter);
            first = true;
        }
        if (parameter.DType == DType.Float32) Apply<float>(options, parameter, grad, buffer, first);
        else Apply<double>(options, parameter, grad, buffer, first);
    }

    private static void Apply<T>(SgdOptions o, Tensor p, Tensor g, Tensor? buffer, bool first)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        OptimizerKernels.ForSlices(p.Count, (start, end) => OptimizerKernels.Sgd(
            p.Span<T>()[start..end], g.Span<T>()[start..end], buffer is null ? [] : buffer.Span<T>()[start..end],
            T.CreateTruncating(-o.Lr), T.CreateTruncating(o.WeightDecay), T.CreateTruncating(o.Momentum),
            T.CreateTruncating(1 - o.Dampening), o.Nesterov, o.Maximize, first));
}
