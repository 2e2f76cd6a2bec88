using System.Text.Json.Nodes;

namespace Cajal.Optim;

/// <summary>How <see cref="OneCycleLR"/> moves between two values within a phase.</summary>
public enum AnnealStrategy
{
    /// <summary>Half a cosine: end + (start − end)/2 · (1 + cos(π·pct)).</summary>
    Cos,

    /// <summary>A straight line: start + (end − start)·pct.</summary>
    Linear,
}

/// <summary>The 1cycle policy (Smith &amp; Topin): the rate rises from maxLr/divFactor to maxLr, then falls far below the start, while the momentum moves the opposite way.</summary>
/// <remarks>
/// Step it after every batch; it allows <c>totalSteps</c> steps after construction (totalSteps = epochs × steps per epoch).
/// Two phases: over the first pctStart·totalSteps steps the rate goes from initial = maxLr/divFactor to maxLr
/// and the momentum from maxMomentum to baseMomentum; then the rate goes to initial/finalDivFactor and the
/// momentum back to maxMomentum. With threePhase the second phase returns to the initial rate, and a third
/// one anneals to the minimum at maxMomentum. The momentum cycled is SGD's and RMSprop's momentum, or Adam's β1
/// (see <see cref="ParamGroup.Momentum"/>). Values match PyTorch 1.13's.
/// </remarks>
public sealed class OneCycleLR : LRScheduler
{
    private enum Level { Initial, Max, Min, BaseMomentum, MaxMomentum }

    private readonly record struct Phase(double EndStep, Level StartLr, Level EndLr, Level StartMomentum, Level EndMomentum);

    private static readonly string[] PerGroupKeys = ["initial_lrs", "max_lrs", "min_lrs", "max_momentums", "base_momentums"];

    private Phase[] _phases = [];
    private double[] _initialLrs, _maxLrs, _minLrs, _maxMomentums, _baseMomentums;

    /// <summary>One cycle with the same peak rate and momenta for every group.</summary>
    /// <inheritdoc cref="OneCycleLR(Optimizer, IReadOnlyList{double}, int, double, AnnealStrategy, bool, IReadOnlyList{double}?, IReadOnlyList{double}?, double, double, bool)"/>
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos,
        bool cycleMomentum = true, double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4,
        bool threePhase = false)
        : this(optimizer, Repeat(optimizer, maxLr), totalSteps, pctStart, annealStrategy, cycleMomentum,
            Repeat(optimizer, baseMomentum), Repeat(optimizer, maxMomentum), divFactor, finalDivFactor, threePhase) { }

    /// <summary>One cycle with a peak rate (and optionally momenta) per group.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="maxLrs">The peak learning rate of each group.</param>
    /// <param name="totalSteps">The number of steps in the cycle (≥ 1).</param>
    /// <param name="pctStart">The fraction of the cycle spent increasing the rate, in [0, 1].</param>
    /// <param name="annealStrategy">Cosine or linear annealing.</param>
    /// <param name="cycleMomentum">Also cycle the momentum (the optimizer must have one).</param>
    /// <param name="baseMomentums">The lowest momentum per group (default 0.85 each).</param>
    /// <param name="maxMomentums">The highest momentum per group (default 0.95 each).</param>
    /// <param name="divFactor">initial rate = maxLr / divFactor.</param>
    /// <param name="finalDivFactor">minimum rate = initial rate / finalDivFactor.</param>
    /// <param name="threePhase">Use the three-phase schedule.</param>
    /// <exception cref="ArgumentException">A value is out of range, a list's length differs from the group count, a phase would be empty (pctStart·totalSteps = 1), or cycleMomentum is set for an optimizer without momentum.</exception>
    public OneCycleLR(Optimizer optimizer, IReadOnlyList<double> maxLrs, int totalSteps, double pctStart = 0.3,
        AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true, IReadOnlyList<double>? baseMomentums = null,
        IReadOnlyList<double>? maxMomentums = null, double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false)
        : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(maxLrs);
        int groups = optimizer.ParamGroups.Count;
        if (totalSteps < 1) throw new ArgumentException($"OneCycleLR: expected a positive integer totalSteps, got {totalSteps}.");
        if (!(pctStart >= 0 && pctStart <= 1)) throw new ArgumentException($"OneCycleLR: expected pctStart between 0 and 1, got {pctStart}.");
        if (!Enum.IsDefined(annealStrategy)) throw new ArgumentException($"OneCycleLR: unknown anneal strategy {annealStrategy}.");
        if (!(divFactor > 0) || !(finalDivFactor > 0)) throw new ArgumentException($"OneCycleLR: divFactor ({divFactor}) and finalDivFactor ({finalDivFactor}) must be > 0.");
        _maxLrs = PerGroup("maxLr", maxLrs, groups);
        foreach (var m in _maxLrs)
            if (!(m >= 0) || double.IsInfinity(m)) throw new ArgumentException($"OneCycleLR: maxLr must be finite and >= 0, got {m}.");
        _maxMomentums = PerGroup("maxMomentum", maxMomentums ?? Enumerable.Repeat(0.95, groups).ToList(), groups);
        _baseMomentums = PerGroup("baseMomentum", baseMomentums ?? Enumerable.Repeat(0.85, groups).ToList(), groups);
        TotalSteps = totalSteps;
        PctStart = pctStart;
        ThreePhase = threePhase;
        AnnealStrategy = annealStrategy;
        CycleMomentum = cycleMomentum;
        _phases = BuildPhases();
        _initialLrs = [.. _maxLrs.Select(m => m / divFactor)];
        _minLrs = [.. _initialLrs.Select(i => i / finalDivFactor)];
        if (cycleMomentum && optimizer.ParamGroups.Any(g => g.Momentum is null))
            throw new ArgumentException($"OneCycleLR: {optimizer.Name} has no momentum to cycle; pass cycleMomentum: false.");
        for (int i = 0; i < groups; i++)
        {
            var group = optimizer.ParamGroups[i];
            group.InitialLr = _initialLrs[i];
            if (cycleMomentum) group.Momentum = _maxMomentums[i];
        }
        Start();
    }

    /// <summary>Steps in the cycle.</summary>
    public int TotalSteps { get; private set; }

    /// <summary>Fraction of the cycle spent increasing the rate.</summary>
    public double PctStart { get; private set; }

    /// <summary>Whether the three-phase schedule is used.</summary>
    public bool ThreePhase { get; private set; }

    /// <summary>Cosine or linear annealing.</summary>
    public AnnealStrategy AnnealStrategy { get; private set; }

    /// <summary>Whether the momentum is cycled too.</summary>
    public bool CycleMomentum { get; private set; }

    private static List<double> Repeat(Optimizer optimizer, double value)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return [.. Enumerable.Repeat(value, optimizer.ParamGroups.Count)];
    }

    private static double[] PerGroup(string name, IReadOnlyList<double> values, int groups) =>
        values.Count == groups ? [.. values] : throw new ArgumentException($"OneCycleLR: expected {groups} values for {name}, got {values.Count}.");

    private Phase[] BuildPhases()
    {
        double total = TotalSteps, p = PctStart;
        Phase[] phases = ThreePhase
            ? [new(p * total - 1, Level.Initial, Level.Max, Level.MaxMomentum, Level.BaseMomentum),
               new(2 * p * total - 2, Level.Max, Level.Initial, Level.BaseMomentum, Level.MaxMomentum),
               new(total - 1, Level.Initial, Level.Min, Level.MaxMomentum, Level.MaxMomentum)]
            : [new(p * total - 1, Level.Initial, Level.Max, Level.MaxMomentum, Level.BaseMomentum),
               new(total - 1, Level.Max, Level.Min, Level.BaseMomentum, Level.MaxMomentum)];
        double start = 0;
        for (int i = 0; i < phases.Length; i++)
        {
            // PyTorch divides by (end − start) here and fails with ZeroDivisionError once the phase is reached.
            if (phases[i].EndStep == start)
                throw new ArgumentException($"OneCycleLR: phase {i} would have zero length (pctStart {PctStart} × totalSteps {TotalSteps}); change pctStart or totalSteps.");
            start = phases[i].EndStep;
        }
        return phases;
    }

    private double Value(Level level, int group) => level switch
    {
        Level.Initial => _initialLrs[group],
        Level.Max => _maxLrs[group],
        Level.Min => _minLrs[group],
        Level.BaseMomentum => _baseMomentums[group],
        _ => _maxMomentums[group],
    };

    private double Anneal(double start, double end, double pct) => AnnealStrategy == AnnealStrategy.Cos
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;

    /// <inheritdoc/>
    protected override IReadOnlyList<double> ComputeLr()
    {
        int step = LastEpoch;
        if (step > TotalSteps)
            throw new InvalidOperationException($"OneCycleLR: tried to step {step + 1} times; the specified number of total steps is {TotalSteps}.");
        var groups = Optimizer.ParamGroups;
        var lrs = new double[groups.Count];
        for (int g = 0; g < groups.Count; g++)
        {
            double start = 0;
            for (int i = 0; i < _phases.Length; i++)
            {
                var phase = _phases[i];
                if (step <= phase.EndStep || i == _phases.Length - 1)
                {
                    double pct = (step - start) / (phase.EndStep - start);
                    lrs[g] = Anneal(Value(phase.StartLr, g), Value(phase.EndLr, g), pct);
                    if (CycleMomentum) groups[g].Momentum = Anneal(Value(phase.StartMomentum, g), Value(phase.EndMomentum, g), pct);
                    break;
                }
                start = phase.EndStep;
            }
        }
        return lrs;
    }

    /// <inheritdoc/>
    protected override void WriteState(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state["total_steps"] = TotalSteps;
        state["pct_start"] = PctStart;
        state["three_phase"] = ThreePhase;
        state["anneal_strategy"] = AnnealStrategy == AnnealStrategy.Cos ? "cos" : "linear";
        state["cycle_momentum"] = CycleMomentum;
        state["initial_lrs"] = SchedulerJson.Array(_initialLrs);
        state["max_lrs"] = SchedulerJson.Array(_maxLrs);
        state["min_lrs"] = SchedulerJson.Array(_minLrs);
        state["max_momentums"] = SchedulerJson.Array(_maxMomentums);
        state["base_momentums"] = SchedulerJson.Array(_baseMomentums);
    }

    /// <inheritdoc/>
    protected override void ReadState(JsonObject state, string op)
    {
        ArgumentNullException.ThrowIfNull(state);
        int total = SchedulerJson.Int(state, "total_steps", op);
        double pct = SchedulerJson.Double(state, "pct_start", op);
        bool three = SchedulerJson.Bool(state, "three_phase", op);
        var anneal = SchedulerJson.String(state, "anneal_strategy", op) switch
        {
            "cos" => AnnealStrategy.Cos,
            "linear" => AnnealStrategy.Linear,
            var s => throw new ArgumentException($"{op}: unknown anneal_strategy '{s}'."),
        };
        bool cycle = SchedulerJson.Bool(state, "cycle_momentum", op);
        var arrays = PerGroupKeys.Select(k => SchedulerJson.Doubles(state, k, op)).ToArray();
        int groups = Optimizer.ParamGroups.Count;
        if (arrays.Any(a => a.Length != groups)) throw new ArgumentException($"{op}: the per-group values do not match the optimizer's {groups} group(s).");
        if (total < 1 || !(pct >= 0 && pct <= 1)) throw new ArgumentException($"{op}: invalid total_steps {total} or pct_start {pct}.");
        (TotalSteps, PctStart, ThreePhase, AnnealStrategy, CycleMomentum) = (total, pct, three, anneal, cycle);
        _phases = BuildPhases();
        (_initialLrs, _maxLrs, _minLrs, _maxMomentums, _baseMomentums) = (arrays[0], arrays[1], arrays[2], arrays[3], arrays[4]);
    }
}
