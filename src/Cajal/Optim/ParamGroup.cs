namespace Cajal.Optim;

/// <summary>A set of parameters that an optimizer updates with the same hyper-parameters (PyTorch's param_groups entry).</summary>
/// <remarks>
/// Schedulers work through this untyped view: <see cref="Lr"/>, <see cref="Momentum"/> and
/// <see cref="InitialLr"/>. <see cref="ParamGroup{TOptions}"/> holds the optimizer's full options.
/// </remarks>
public abstract class ParamGroup
{
    private protected ParamGroup(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = [.. parameters];
    }

    /// <summary>The parameters, in the order given.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>The group's learning rate; schedulers read and write it.</summary>
    /// <remarks>
    /// Like a write to PyTorch's <c>param_group['lr']</c>, setting it checks nothing: a schedule may step
    /// outside the constructor's range (OneCycleLR's linear anneal goes below zero at its extra last step).
    /// Setting <see cref="ParamGroup{TOptions}.Options"/> validates every value.
    /// </remarks>
    public abstract double Lr { get; set; }

    /// <summary>
    /// The momentum that <see cref="OneCycleLR"/> cycles: momentum for SGD and RMSprop, β1 for Adam and AdamW;
    /// null for optimizers without one (Adagrad), where setting it throws. Setting it checks no range, as <see cref="Lr"/>.
    /// </summary>
    public abstract double? Momentum { get; set; }

    /// <summary>The learning rate that schedulers start from (PyTorch's <c>initial_lr</c>); set by the first scheduler attached.</summary>
    public double? InitialLr { get; set; }

    /// <summary>The group's options as the untyped base record.</summary>
    public abstract OptimizerOptions BaseOptions { get; }

    /// <summary>Whether an optimizer has resolved this group's options.</summary>
    internal abstract bool IsAttached { get; }
}

/// <summary>A parameter group whose options are <typeparamref name="TOptions"/>.</summary>
/// <typeparam name="TOptions">The optimizer's options record, e.g. <see cref="SgdOptions"/>.</typeparam>
/// <example>
/// <code>
/// var optimizer = new Sgd(
///     [new ParamGroup&lt;SgdOptions&gt;(body.Parameters()),
///      new ParamGroup&lt;SgdOptions&gt;(head.Parameters(), o =&gt; o with { Lr = 0.1 })],
///     lr: 0.01, momentum: 0.9);   // the head uses lr 0.1 and momentum 0.9
/// </code>
/// </example>
public sealed class ParamGroup<TOptions> : ParamGroup where TOptions : OptimizerOptions
{
    private readonly Func<TOptions, TOptions>? _overrides;
    private TOptions? _options;
    private string _owner = "optimizer";

    /// <summary>A group of <paramref name="parameters"/> with the optimizer's defaults changed by <paramref name="overrides"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="overrides">Maps the optimizer's defaults to this group's options (e.g. <c>o =&gt; o with { Lr = 0.1 }</c>); null keeps the defaults.</param>
    public ParamGroup(IEnumerable<Tensor> parameters, Func<TOptions, TOptions>? overrides = null) : base(parameters)
    {
        _overrides = overrides;
    }

    /// <summary>The group's options; setting them validates the new values.</summary>
    /// <exception cref="InvalidOperationException">The group has not been given to an optimizer yet.</exception>
    public TOptions Options
    {
        get => _options ?? throw new InvalidOperationException("ParamGroup: the options are resolved when the group is given to an optimizer.");
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate(_owner);
            _options = value;
        }
    }

    /// <inheritdoc/>
    public override OptimizerOptions BaseOptions => Options;

    /// <inheritdoc/>
    public override double Lr
    {
        get => Options.Lr;
        set => _options = (TOptions)((OptimizerOptions)Options with { Lr = value });
    }

    /// <inheritdoc/>
    public override double? Momentum
    {
        get => Options.CycledMomentum;
        set
        {
            if (value is not double m) throw new ArgumentNullException(nameof(value), $"{_owner}: the momentum cannot be set to null.");
            _options = (TOptions)Options.WithCycledMomentum(m);
        }
    }

    internal override bool IsAttached => _options is not null;

    /// <summary>Resolves the options from the optimizer's defaults; called once by the optimizer.</summary>
    internal void Attach(TOptions defaults, string owner)
    {
        if (IsAttached)
            throw new ArgumentException($"{owner}: this parameter group already belongs to an optimizer; create a new ParamGroup.");
        _owner = owner;
        var options = _overrides is null ? defaults : _overrides(defaults)
            ?? throw new ArgumentException($"{owner}: a parameter group's overrides returned null.");
        Options = options;
    }
}
