using System.Text.Json.Nodes;

namespace Cajal.Optim;

/// <summary>Runs schedulers one after another, switching at milestone epochs (e.g. a <see cref="LinearLR"/> warm-up, then <see cref="CosineAnnealingLR"/>).</summary>
/// <remarks>
/// Follows PyTorch 1.13 exactly: the constructor resets the rates to their initial values and restarts the first
/// scheduler; at milestone k the (k+1)-th scheduler starts from its epoch 0 (its closed form, from the base
/// rates), and in between each step goes to the scheduler whose interval contains the epoch.
/// </remarks>
/// <example>
/// <code>
/// var warmup = new LinearLR(optimizer, startFactor: 0.1, totalIters: 5);
/// var cosine = new CosineAnnealingLR(optimizer, tMax: 95);
/// var scheduler = new SequentialLR(optimizer, [warmup, cosine], milestones: [5]);
/// </code>
/// </example>
public sealed class SequentialLR : LRScheduler
{
    private readonly LRScheduler[] _schedulers;
    private readonly int[] _milestones;

    /// <summary>Chains <paramref name="schedulers"/>, switching at <paramref name="milestones"/>.</summary>
    /// <exception cref="ArgumentException">The lists are empty or of mismatched length, a scheduler belongs to another optimizer, or the milestones are not increasing positive epochs.</exception>
    public SequentialLR(Optimizer optimizer, IEnumerable<LRScheduler> schedulers, IEnumerable<int> milestones) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        _schedulers = [.. schedulers];
        _milestones = [.. milestones];
        if (_schedulers.Length == 0) throw new ArgumentException("SequentialLR: expects at least one scheduler.");
        for (int i = 0; i < _schedulers.Length; i++)
        {
            if (_schedulers[i] is null) throw new ArgumentException($"SequentialLR: scheduler {i} is null.");
            if (!ReferenceEquals(_schedulers[i].Optimizer, optimizer))
                throw new ArgumentException($"SequentialLR: expects all schedulers to belong to the same optimizer, but scheduler {i} has another one.");
        }
        if (_milestones.Length != _schedulers.Length - 1)
            throw new ArgumentException($"SequentialLR: expects one milestone fewer than schedulers, got {_schedulers.Length} scheduler(s) and {_milestones.Length} milestone(s).");
        for (int i = 0; i < _milestones.Length; i++)
            if (_milestones[i] < 1 || i > 0 && _milestones[i] <= _milestones[i - 1])
                throw new ArgumentException($"SequentialLR: milestones must be increasing epochs >= 1, got [{string.Join(", ", _milestones)}].");

        LastEpoch = 0;
        CaptureBaseLrs();
        foreach (var group in optimizer.ParamGroups) group.Lr = group.InitialLr ?? group.Lr;   // reset to the initial rates
        foreach (var s in _schedulers) s.LastEpoch--;                                          // undo their initial steps
        _schedulers[0].InitialStep();
        SetLastLr(_schedulers[0].LastLr);
    }

    /// <summary>The chained schedulers.</summary>
    public IReadOnlyList<LRScheduler> Schedulers => _schedulers;

    /// <summary>The epochs at which the next scheduler takes over.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <inheritdoc/>
    public override void Step()
    {
        LastEpoch++;
        int idx = _milestones.Count(m => m <= LastEpoch);   // bisect_right
        var scheduler = _schedulers[idx];
        if (idx > 0 && _milestones[idx - 1] == LastEpoch) scheduler.StepTo(0);
        else scheduler.Step();
        SetLastLr(scheduler.LastLr);
    }

    /// <summary>Not used: <see cref="Step"/> delegates to the active scheduler; returns the current rates.</summary>
    protected override IReadOnlyList<double> ComputeLr() => GroupLrs();

    /// <inheritdoc/>
    protected override void WriteState(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state["milestones"] = SchedulerJson.Array(_milestones);
        state["schedulers"] = new JsonArray([.. _schedulers.Select(s => (JsonNode)s.StateDict())]);
    }

    /// <inheritdoc/>
    protected override void ReadState(JsonObject state, string op)
    {
        ArgumentNullException.ThrowIfNull(state);
        var milestones = SchedulerJson.Ints(state, "milestones", op);
        if (!milestones.SequenceEqual(_milestones))
            throw new ArgumentException($"{op}: the state has milestones [{string.Join(", ", milestones)}], this scheduler [{string.Join(", ", _milestones)}].");
        if (state["schedulers"] is not JsonArray saved || saved.Count != _schedulers.Length)
            throw new ArgumentException($"{op}: the state does not hold {_schedulers.Length} scheduler state(s).");
        for (int i = 0; i < _schedulers.Length; i++)
        {
            if (saved[i] is not JsonObject sub) throw new ArgumentException($"{op}: scheduler state {i} is not an object.");
            _schedulers[i].LoadStateDict(sub);
        }
    }
}
