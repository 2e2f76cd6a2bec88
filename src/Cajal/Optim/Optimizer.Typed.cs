using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cajal.Optim;

/// <summary>An optimizer whose parameter groups hold <typeparamref name="TOptions"/>; subclasses write the per-parameter update.</summary>
/// <typeparam name="TOptions">The options record, e.g. <see cref="AdamOptions"/>.</typeparam>
/// <remarks>
/// <see cref="Optimizer.Step()"/> runs under <see cref="Autograd.NoGrad"/>, skips parameters whose Grad is null,
/// and hands <see cref="Update"/> contiguous tensors (a non-contiguous parameter is updated through a
/// contiguous copy that is written back). The per-parameter state lives in a dictionary keyed by PyTorch's
/// state names, so <see cref="StateDict"/> needs no help from subclasses.
/// </remarks>
public abstract class Optimizer<TOptions> : Optimizer where TOptions : OptimizerOptions
{
    private readonly List<ParamGroup<TOptions>> _groups = [];
    private readonly Dictionary<Tensor, Dictionary<string, Tensor>> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>One group of <paramref name="parameters"/> with <paramref name="defaults"/>.</summary>
    protected Optimizer(IEnumerable<Tensor> parameters, TOptions defaults)
        : this([new ParamGroup<TOptions>(parameters ?? throw new ArgumentNullException(nameof(parameters)))], defaults) { }

    /// <summary>Several groups, each resolving its options from <paramref name="defaults"/>.</summary>
    protected Optimizer(IEnumerable<ParamGroup<TOptions>> groups, TOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(defaults);
        defaults.Validate(Name);
        Defaults = defaults;
        foreach (var group in groups) AddParamGroup(group);
        if (_groups.Count == 0) throw new ArgumentException($"{Name}: got an empty list of parameter groups.");
    }

    /// <summary>The options that groups start from.</summary>
    public TOptions Defaults { get; }

    /// <summary>The parameter groups with their typed options.</summary>
    public IReadOnlyList<ParamGroup<TOptions>> Groups => _groups;

    /// <inheritdoc/>
    public override IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>Adds a group (e.g. layers unfrozen during fine-tuning), as PyTorch's <c>add_param_group</c>.</summary>
    /// <exception cref="ArgumentException">The group is empty, holds a non-leaf or integer tensor, repeats a parameter, or shares one with another group.</exception>
    public void AddParamGroup(ParamGroup<TOptions> group)
    {
        ArgumentNullException.ThrowIfNull(group);
        int index = _groups.Count;
        if (group.Parameters.Count == 0) throw new ArgumentException($"{Name}: parameter group {index} is empty (optimizer got an empty parameter list).");
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < group.Parameters.Count; i++)
        {
            var p = group.Parameters[i] ?? throw new ArgumentException($"{Name}: parameter {i} of group {index} is null.");
            if (!p.DType.IsFloatingPoint()) throw new ArgumentException($"{Name}: parameter {i} of group {index} has dtype {p.DType}; only floating-point tensors can be optimised.");
            if (!p.IsLeaf) throw new ArgumentException($"{Name}: parameter {i} of group {index} (shape {p.Shape}) is not a leaf tensor; optimise the tensor you created, not a result computed from it.");
            if (!seen.Add(p)) throw new ArgumentException($"{Name}: parameter group {index} lists the same tensor twice (parameter {i}, shape {p.Shape}).");
            foreach (var other in _groups)
                if (other.Parameters.Contains(p, ReferenceEqualityComparer.Instance))
                    throw new ArgumentException($"{Name}: parameter {i} of group {index} (shape {p.Shape}) already appears in another parameter group.");
        }
        group.Attach(Defaults, Name);
        _groups.Add(group);
        foreach (var p in group.Parameters) InitializeState(group.Options, p, StateOf(p));
    }

    /// <summary>Creates a parameter's state when its group is added; most optimizers create it lazily in <see cref="Update"/> instead.</summary>
    protected virtual void InitializeState(TOptions options, Tensor parameter, IDictionary<string, Tensor> state) { }

    /// <summary>Updates one parameter in place from its gradient (both contiguous, same shape and dtype).</summary>
    /// <param name="options">The parameter's group options.</param>
    /// <param name="parameter">The parameter to change in place.</param>
    /// <param name="grad">Its gradient (do not modify).</param>
    /// <param name="state">The parameter's state, empty before its first update.</param>
    protected abstract void Update(TOptions options, Tensor parameter, Tensor grad, IDictionary<string, Tensor> state);

    /// <summary>The state names a parameter holds once updated under <paramref name="options"/> (used to check loaded state dicts).</summary>
    protected abstract IReadOnlyCollection<string> StateNames(TOptions options);

    /// <inheritdoc/>
    public override void Step()
    {
        using var _ = Autograd.NoGrad();
        for (int gi = 0; gi < _groups.Count; gi++)
        {
            var group = _groups[gi];
            var options = group.Options;
            for (int i = 0; i < group.Parameters.Count; i++)
            {
                var p = group.Parameters[i];
                var grad = p.Grad;
                if (grad is null) continue;
                if (grad.Shape != p.Shape || grad.DType != p.DType)
                    throw new InvalidOperationException(
                        $"{Name}.Step: parameter {i} of group {gi} is {p.DType} {p.Shape} but its Grad is {grad.DType} {grad.Shape}.");
                var work = p.IsContiguous ? p : p.Clone();
                Update(options, work, grad.Contiguous(), StateOf(p));
                if (ReferenceEquals(work, p)) p.Version.Value++;   // an in-place write: graphs that saved p must not backward through it
                else p.CopyFrom(work);
            }
        }
    }

    private Dictionary<string, Tensor> StateOf(Tensor p)
    {
        if (!_state.TryGetValue(p, out var s)) _state[p] = s = [];
        return s;
    }

    /// <summary>Increments the state's step count (a 0-dim float64 tensor named <c>step</c>, created at 0) and returns the new value t.</summary>
    protected static long NextStep(IDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.TryGetValue("step", out var step)) state["step"] = step = Tensor.Scalar(0.0, DType.Float64);
        double t = step.Item() + 1;
        step.SetFromDouble(0, t);
        return (long)t;
    }

    /// <summary>A zero tensor with the parameter's shape and dtype, for a state buffer.</summary>
    protected static Tensor NewBuffer(Tensor parameter, double value = 0.0)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return Tensor.Full(parameter.Shape.ToArray(), value, parameter.DType);
    }

    // ---------------------------------------------------------------- state dicts

    /// <inheritdoc/>
    public override OptimizerStateDict StateDict()
    {
        var tensors = new Dictionary<string, Tensor>();
        var groups = new List<ParamGroupMetadata>();
        int index = 0;
        foreach (var group in _groups)
        {
            var ids = new List<int>();
            foreach (var p in group.Parameters)
            {
                ids.Add(index);
                if (_state.TryGetValue(p, out var s))
                    foreach (var (name, value) in s.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                        tensors[$"state.{index}.{name}"] = value.Detach().Clone();
                index++;
            }
            var options = OptionsToJson(group.Options);
            if (group.InitialLr is double initial) options["initial_lr"] = initial;
            groups.Add(new ParamGroupMetadata(ids, options));
        }
        return new OptimizerStateDict(tensors, new OptimizerMetadata(Name, groups));
    }

    private static JsonObject OptionsToJson(TOptions options) =>
        (JsonObject)JsonSerializer.SerializeToNode(options, OptimizerMetadata.JsonOptions)!;

    /// <inheritdoc/>
    public override void LoadStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        string op = $"{Name}.LoadStateDict";
        var meta = stateDict.Metadata ?? throw new ArgumentException($"{op}: the state dict has no metadata.");
        if (meta.Optimizer != Name) throw new ArgumentException($"{op}: the state dict was saved by {meta.Optimizer}, not {Name}.");
        if (meta.ParamGroups is null || meta.ParamGroups.Count != _groups.Count)
            throw new ArgumentException($"{op}: the state dict has {meta.ParamGroups?.Count ?? 0} parameter group(s), this optimizer has {_groups.Count}.");

        // Validate everything first; change nothing until all of it is known to fit.
        var byId = new Dictionary<int, (Tensor Param, int Group)>();
        var options = new TOptions[_groups.Count];
        var initialLrs = new double?[_groups.Count];
        for (int gi = 0; gi < _groups.Count; gi++)
        {
            var saved = meta.ParamGroups[gi];
            var current = _groups[gi].Parameters;
            if (saved.Params is null || saved.Params.Count != current.Count)
                throw new ArgumentException($"{op}: parameter group {gi} has {saved.Params?.Count ?? 0} parameter(s) in the state dict but {current.Count} in this optimizer.");
            for (int i = 0; i < current.Count; i++)
                if (!byId.TryAdd(saved.Params[i], (current[i], gi)))
                    throw new ArgumentException($"{op}: parameter index {saved.Params[i]} appears twice in the state dict's groups.");
            (options[gi], initialLrs[gi]) = OptionsFromJson(saved.Options, gi, op);
        }

        var loaded = new Dictionary<Tensor, Dictionary<string, Tensor>>(ReferenceEqualityComparer.Instance);
        foreach (var (key, value) in stateDict.Tensors ?? new Dictionary<string, Tensor>())
        {
            var parts = key.Split('.', 3);
            if (parts.Length != 3 || parts[0] != "state" || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                throw new ArgumentException($"{op}: unexpected key '{key}' (expected state.<index>.<name>).");
            if (!byId.TryGetValue(id, out var owner))
                throw new ArgumentException($"{op}: key '{key}' names parameter {id}, which is in no parameter group of the state dict.");
            var (param, gi) = owner;
            string name = parts[2];
            if (!StateNames(options[gi]).Contains(name))
                throw new ArgumentException($"{op}: unexpected key '{key}': {Name} with these options keeps {Describe(StateNames(options[gi]))}.");
            ArgumentNullException.ThrowIfNull(value, key);
            Tensor copy;
            if (name == "step")
            {
                if (value.Count != 1 || !value.DType.IsFloatingPoint() && value.DType != DType.Int64)
                    throw new ArgumentException($"{op}: '{key}' must hold one number, it is {value.DType} {value.Shape}.");
                double t = value.Item();
                if (!(t >= 0) || t != Math.Floor(t)) throw new ArgumentException($"{op}: '{key}' is {t}, not a step count.");
                copy = Tensor.Scalar(t, DType.Float64);
            }
            else
            {
                if (value.Shape != param.Shape)
                    throw new ArgumentException($"{op}: '{key}' has shape {value.Shape} but parameter {id} has shape {param.Shape}.");
                if (!value.DType.IsFloatingPoint())
                    throw new ArgumentException($"{op}: '{key}' has dtype {value.DType}; a floating-point tensor is expected.");
                var converted = value.Detach().To(param.DType);
                copy = ReferenceEquals(converted.Storage, value.Storage) ? converted.Clone() : converted.Contiguous();
            }
            if (!loaded.TryGetValue(param, out var s)) loaded[param] = s = [];
            s[name] = copy;
        }
        foreach (var (param, s) in loaded)
        {
            int gi = byId.Values.First(v => ReferenceEquals(v.Param, param)).Group;
            var expected = StateNames(options[gi]);
            var missing = expected.Where(n => !s.ContainsKey(n)).ToList();
            if (missing.Count > 0)
            {
                int id = byId.First(kv => ReferenceEquals(kv.Value.Param, param)).Key;
                throw new ArgumentException($"{op}: the state of parameter {id} lacks {string.Join(", ", missing.Select(n => $"state.{id}.{n}"))}.");
            }
        }

        for (int gi = 0; gi < _groups.Count; gi++)
        {
            _groups[gi].Options = options[gi];
            _groups[gi].InitialLr = initialLrs[gi];
        }
        _state.Clear();
        foreach (var (param, s) in loaded) _state[param] = s;
        foreach (var group in _groups)
            foreach (var p in group.Parameters)
                if (!_state.ContainsKey(p)) InitializeState(group.Options, p, StateOf(p));
    }

    private (TOptions Options, double? InitialLr) OptionsFromJson(JsonObject? json, int group, string op)
    {
        if (json is null) throw new ArgumentException($"{op}: parameter group {group} has no options.");
        var copy = (JsonObject)json.DeepClone();
        double? initialLr = null;
        if (copy.Remove("initial_lr", out var initial) && initial is not null) initialLr = initial.GetValue<double>();
        var expected = OptionsToJson(Defaults).Select(kv => kv.Key).ToHashSet();
        var missing = expected.Where(k => !copy.ContainsKey(k)).ToList();
        var unexpected = copy.Select(kv => kv.Key).Where(k => !expected.Contains(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new ArgumentException($"{op}: the options of parameter group {group} do not fit {Name}" +
                (missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : "") +
                (unexpected.Count > 0 ? $"; unexpected: {string.Join(", ", unexpected)}" : "") + ".");
        TOptions options;
        try
        {
            options = copy.Deserialize<TOptions>(OptimizerMetadata.JsonOptions)
                ?? throw new ArgumentException($"{op}: the options of parameter group {group} are null.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ArgumentException($"{op}: the options of parameter group {group} cannot be read: {e.Message}", e);
        }
        options.Validate(op);
        return (options, initialLr);
    }

    private static string Describe(IReadOnlyCollection<string> names) =>
        names.Count == 0 ? "no state" : string.Join(", ", names);
}
