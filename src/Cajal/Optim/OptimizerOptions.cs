namespace Cajal.Optim;

/// <summary>The hyper-parameters of one parameter group; each optimizer has its own record type.</summary>
/// <remarks>
/// Records, so that a group overrides only what it names: <c>o =&gt; o with { Lr = 0.1 }</c> keeps every
/// other value of the optimizer's defaults, as PyTorch's param_groups do.
/// </remarks>
public abstract record OptimizerOptions
{
    /// <summary>The learning rate (PyTorch's <c>lr</c>); schedulers change it.</summary>
    public double Lr { get; init; }

    /// <summary>The momentum that <see cref="OneCycleLR"/> cycles: SGD's and RMSprop's momentum, Adam's β1; null when there is none.</summary>
    internal virtual double? CycledMomentum => null;

    /// <summary>A copy with the cycled momentum replaced.</summary>
    internal virtual OptimizerOptions WithCycledMomentum(double value) =>
        throw new InvalidOperationException($"{GetType().Name} has no momentum to cycle.");

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="optimizer"/> and the first invalid value.</summary>
    public virtual void Validate(string optimizer)
    {
        if (!(Lr >= 0.0)) throw new ArgumentException($"{optimizer}: invalid learning rate {Lr} (must be >= 0).");
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and ≥ 0.</summary>
    private protected static void NonNegative(string optimizer, string name, double value)
    {
        if (!(value >= 0.0) || double.IsInfinity(value))
            throw new ArgumentException($"{optimizer}: invalid {name} value {value} (must be >= 0).");
    }
}

/// <summary>The options of <see cref="Sgd"/>.</summary>
public sealed record SgdOptions : OptimizerOptions
{
    /// <summary>Momentum factor μ (0: plain gradient descent).</summary>
    public double Momentum { get; init; }

    /// <summary>Dampening of the momentum update: b ← μ·b + (1 − dampening)·g.</summary>
    public double Dampening { get; init; }

    /// <summary>L2 penalty added to the gradient: g ← g + wd·p.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Nesterov momentum: step along g + μ·b instead of b. Requires momentum &gt; 0 and dampening 0.</summary>
    public bool Nesterov { get; init; }

    /// <summary>Maximise the objective instead of minimising it.</summary>
    public bool Maximize { get; init; }

    internal override double? CycledMomentum => Momentum;

    internal override OptimizerOptions WithCycledMomentum(double value) => this with { Momentum = value };

    /// <inheritdoc/>
    public override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        NonNegative(optimizer, "momentum", Momentum);
        NonNegative(optimizer, "weight_decay", WeightDecay);
        if (double.IsNaN(Dampening)) throw new ArgumentException($"{optimizer}: invalid dampening value {Dampening}.");
        if (Nesterov && (Momentum <= 0 || Dampening != 0))
            throw new ArgumentException($"{optimizer}: Nesterov momentum requires a momentum and zero dampening (momentum {Momentum}, dampening {Dampening}).");
    }
}

/// <summary>The options of <see cref="Adam"/> and <see cref="AdamW"/>.</summary>
public sealed record AdamOptions : OptimizerOptions
{
    /// <summary>β1, the decay rate of the first-moment average m (PyTorch's <c>betas[0]</c>).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>β2, the decay rate of the second-moment average v (PyTorch's <c>betas[1]</c>).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Adam: L2 penalty added to the gradient. AdamW: decoupled decay p ← p·(1 − lr·wd).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Use the running maximum of v (AMSGrad).</summary>
    public bool Amsgrad { get; init; }

    /// <summary>Maximise the objective instead of minimising it.</summary>
    public bool Maximize { get; init; }

    internal override double? CycledMomentum => Beta1;

    internal override OptimizerOptions WithCycledMomentum(double value) => this with { Beta1 = value };

    /// <inheritdoc/>
    public override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        NonNegative(optimizer, "epsilon", Eps);
        if (!(Beta1 >= 0.0 && Beta1 < 1.0)) throw new ArgumentException($"{optimizer}: invalid beta parameter at index 0: {Beta1} (must be in [0, 1)).");
        if (!(Beta2 >= 0.0 && Beta2 < 1.0)) throw new ArgumentException($"{optimizer}: invalid beta parameter at index 1: {Beta2} (must be in [0, 1)).");
        NonNegative(optimizer, "weight_decay", WeightDecay);
    }
}

/// <summary>The options of <see cref="RmsProp"/>.</summary>
public sealed record RmsPropOptions : OptimizerOptions
{
    /// <summary>Smoothing constant α of the squared-gradient average.</summary>
    public double Alpha { get; init; } = 0.99;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Momentum factor μ (0: none).</summary>
    public double Momentum { get; init; }

    /// <summary>Normalise by an estimate of the gradient's variance, √(E[g²] − E[g]²), instead of √E[g²].</summary>
    public bool Centered { get; init; }

    /// <summary>Maximise the objective instead of minimising it.</summary>
    public bool Maximize { get; init; }

    internal override double? CycledMomentum => Momentum;

    internal override OptimizerOptions WithCycledMomentum(double value) => this with { Momentum = value };

    /// <inheritdoc/>
    public override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        NonNegative(optimizer, "epsilon", Eps);
        NonNegative(optimizer, "momentum", Momentum);
        NonNegative(optimizer, "weight_decay", WeightDecay);
        NonNegative(optimizer, "alpha", Alpha);
    }
}

/// <summary>The options of <see cref="Adagrad"/>.</summary>
public sealed record AdagradOptions : OptimizerOptions
{
    /// <summary>Learning-rate decay: the step t uses lr/(1 + (t − 1)·lr_decay).</summary>
    public double LrDecay { get; init; }

    /// <summary>L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; init; }

    /// <summary>The starting value of the accumulated squared gradients.</summary>
    public double InitialAccumulatorValue { get; init; }

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; init; } = 1e-10;

    /// <summary>Maximise the objective instead of minimising it.</summary>
    public bool Maximize { get; init; }

    /// <inheritdoc/>
    public override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        NonNegative(optimizer, "lr_decay", LrDecay);
        NonNegative(optimizer, "weight_decay", WeightDecay);
        NonNegative(optimizer, "initial_accumulator_value", InitialAccumulatorValue);
        NonNegative(optimizer, "epsilon", Eps);
    }
}
