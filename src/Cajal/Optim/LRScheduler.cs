using System.Text.Json.Nodes;

namespace Cajal.Optim;

/// <summary>Changes the learning rate of an optimizer's groups as training goes on (PyTorch's <c>_LRScheduler</c>).</summary>
/// <remarks>
/// Call <see cref="Step"/> once per epoch (or per iteration, for schedules counted in iterations) <b>after</b>
/// <c>optimizer.Step()</c>, as in PyTorch 1.1 and later. The constructor already applies epoch 0's rate.
/// Each schedule computes the new rate from the groups' current rates (PyTorch's chainable <c>get_lr</c>),
/// so the values match PyTorch's to the last bits and two schedulers on one optimizer compose as they do there.
/// Resume a run with <see cref="StateDict"/> / <see cref="LoadStateDict"/> (and the optimizer's state dict,
/// which holds the rates themselves).
/// </remarks>
public abstract class LRScheduler
{
    private double[] _baseLrs = [];
    private double[] _lastLr = [];

    /// <summary>Attaches to <paramref name="optimizer"/>; a derived constructor sets its fields, then calls <see cref="Start"/>.</summary>
    protected LRScheduler(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        LastEpoch = -1;
    }

    /// <summary>The optimizer whose learning rates this scheduler sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The index of the last epoch (or iteration) stepped; 0 right after construction.</summary>
    public int LastEpoch { get; protected internal set; }

    /// <summary>Each group's starting learning rate (its <see cref="ParamGroup.InitialLr"/>).</summary>
    public IReadOnlyList<double> BaseLrs => _baseLrs;

    /// <summary>The learning rates that the last <see cref="Step"/> set, one per group (PyTorch's <c>get_last_lr()</c>).</summary>
    public IReadOnlyList<double> LastLr => _lastLr;

    /// <summary>How many times <see cref="Step"/> ran, counting the constructor's initial step.</summary>
    protected int StepCount { get; private set; }

    /// <summary>The schedule's name in messages and state dicts.</summary>
    protected virtual string Name => GetType().Name;

    /// <summary>Records each group's initial learning rate (keeping one an earlier scheduler set) and applies epoch 0.</summary>
    protected void Start()
    {
        foreach (var group in Optimizer.ParamGroups) group.InitialLr ??= group.Lr;
        CaptureBaseLrs();
        InitialStep();
    }

    /// <summary>Sets <see cref="BaseLrs"/> to the groups' initial learning rates.</summary>
    private protected void CaptureBaseLrs() => _baseLrs = [.. Optimizer.ParamGroups.Select(g => g.InitialLr ?? g.Lr)];

    /// <summary>Resets the step count and applies the current epoch + 1 (PyTorch's <c>_initial_step</c>).</summary>
    internal void InitialStep()
    {
        StepCount = 0;
        Step();
    }

    /// <summary>Advances one epoch and sets each group's learning rate.</summary>
    public virtual void Step()
    {
        StepCount++;
        LastEpoch++;
        Apply(ComputeLr());
    }

    /// <summary>Jumps to <paramref name="epoch"/> using the closed form where the schedule has one (as PyTorch's <c>step(epoch)</c>; used by <see cref="SequentialLR"/>).</summary>
    internal void StepTo(int epoch)
    {
        StepCount++;
        LastEpoch = epoch;
        Apply(ClosedFormLr() ?? ComputeLr());
    }

    /// <summary>Sets the groups' rates and remembers them as <see cref="LastLr"/>.</summary>
    private protected void Apply(IReadOnlyList<double> lrs)
    {
        var groups = Optimizer.ParamGroups;
        if (lrs.Count != groups.Count)
            throw new InvalidOperationException($"{Name}: computed {lrs.Count} learning rates for {groups.Count} parameter groups.");
        for (int i = 0; i < groups.Count; i++) groups[i].Lr = lrs[i];
        _lastLr = [.. groups.Select(g => g.Lr)];
    }

    /// <summary>Sets <see cref="LastLr"/> without changing the optimizer.</summary>
    private protected void SetLastLr(IReadOnlyList<double> lrs) => _lastLr = [.. lrs];

    /// <summary>The rates for <see cref="LastEpoch"/>, computed from the groups' current rates (PyTorch's <c>get_lr</c>).</summary>
    protected abstract IReadOnlyList<double> ComputeLr();

    /// <summary>The rates for <see cref="LastEpoch"/> from the base rates alone, or null when the schedule has no closed form.</summary>
    protected virtual IReadOnlyList<double>? ClosedFormLr() => null;

    /// <summary>The current learning rates of the optimizer's groups.</summary>
    protected IReadOnlyList<double> GroupLrs() => [.. Optimizer.ParamGroups.Select(g => g.Lr)];

    /// <summary>The scheduler's state as JSON: its type, epoch, step count, base and last rates, and the schedule's own values.</summary>
    public JsonObject StateDict()
    {
        var state = new JsonObject
        {
            ["type"] = Name,
            ["last_epoch"] = LastEpoch,
            ["step_count"] = StepCount,
            ["base_lrs"] = SchedulerJson.Array(_baseLrs),
            ["last_lr"] = SchedulerJson.Array(_lastLr),
        };
        WriteState(state);
        return state;
    }

    /// <summary>Restores a state written by <see cref="StateDict"/> (the optimizer's learning rates come from its own state dict).</summary>
    /// <exception cref="ArgumentException">The state is for another scheduler type or group count, or a value is missing.</exception>
    public void LoadStateDict(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        string op = $"{Name}.LoadStateDict";
        var type = SchedulerJson.String(state, "type", op);
        if (type != Name) throw new ArgumentException($"{op}: the state was saved by {type}, not {Name}.");
        var baseLrs = SchedulerJson.Doubles(state, "base_lrs", op);
        var lastLr = SchedulerJson.Doubles(state, "last_lr", op);
        int groups = Optimizer.ParamGroups.Count;
        if (baseLrs.Length != groups || lastLr.Length != groups)
            throw new ArgumentException($"{op}: the state has rates for {baseLrs.Length} group(s), the optimizer has {groups}.");
        int lastEpoch = SchedulerJson.Int(state, "last_epoch", op);
        int stepCount = SchedulerJson.Int(state, "step_count", op);
        ReadState(state, op);
        LastEpoch = lastEpoch;
        StepCount = stepCount;
        _baseLrs = baseLrs;
        _lastLr = lastLr;
    }

    /// <summary>Adds the schedule's own values to a state dict.</summary>
    protected virtual void WriteState(JsonObject state) { }

    /// <summary>Reads the schedule's own values (validate before changing anything; throw ArgumentException naming <paramref name="op"/>).</summary>
    protected virtual void ReadState(JsonObject state, string op) { }
}
