namespace Cajal.Optim;

/// <summary>Multiplies the learning rate by <c>gamma</c> every <c>stepSize</c> epochs.</summary>
/// <remarks>lr(epoch) = base_lr · gamma^⌊epoch / stepSize⌋.</remarks>
public sealed class StepLR : LRScheduler
{
    /// <summary>Decays every <paramref name="stepSize"/> epochs by <paramref name="gamma"/>.</summary>
    /// <exception cref="ArgumentException">stepSize &lt; 1 or gamma not finite and ≥ 0.</exception>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        if (stepSize < 1) throw new ArgumentException($"StepLR: stepSize must be >= 1, got {stepSize}.");
        Schedules.CheckGamma("StepLR", gamma);
        StepSize = stepSize;
        Gamma = gamma;
        Start();
    }

    /// <summary>Epochs between decays.</summary>
    public int StepSize { get; }

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<double> ComputeLr() =>
        LastEpoch == 0 || LastEpoch % StepSize != 0 ? GroupLrs() : [.. GroupLrs().Select(lr => lr * Gamma)];

    /// <inheritdoc/>
    protected override IReadOnlyList<double>? ClosedFormLr() =>
        [.. BaseLrs.Select(b => b * Math.Pow(Gamma, Math.Floor((double)LastEpoch / StepSize)))];
}

/// <summary>Multiplies the learning rate by <c>gamma</c> at each milestone epoch.</summary>
/// <remarks>lr(epoch) = base_lr · gamma^(number of milestones ≤ epoch); a milestone listed twice counts twice, as in PyTorch.</remarks>
public sealed class MultiStepLR : LRScheduler
{
    private readonly int[] _milestones;

    /// <summary>Decays by <paramref name="gamma"/> at each of <paramref name="milestones"/>.</summary>
    /// <exception cref="ArgumentException">A milestone is negative or gamma is not finite and ≥ 0.</exception>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        _milestones = [.. milestones.Order()];
        if (_milestones.Length > 0 && _milestones[0] < 0) throw new ArgumentException($"MultiStepLR: milestones must be >= 0, got {_milestones[0]}.");
        Schedules.CheckGamma("MultiStepLR", gamma);
        Gamma = gamma;
        Start();
    }

    /// <summary>The milestones, sorted.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<double> ComputeLr()
    {
        int hits = _milestones.Count(m => m == LastEpoch);
        return hits == 0 ? GroupLrs() : [.. GroupLrs().Select(lr => lr * Math.Pow(Gamma, hits))];
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<double>? ClosedFormLr()
    {
        int passed = _milestones.Count(m => m <= LastEpoch);   // bisect_right
        return [.. BaseLrs.Select(b => b * Math.Pow(Gamma, passed))];
    }
}

/// <summary>Multiplies the learning rate by <c>gamma</c> every epoch.</summary>
/// <remarks>lr(epoch) = base_lr · gammaᵉᵖᵒᶜʰ (computed as repeated products, as PyTorch).</remarks>
public sealed class ExponentialLR : LRScheduler
{
    /// <summary>Decays by <paramref name="gamma"/> each epoch.</summary>
    /// <exception cref="ArgumentException">gamma is not finite and ≥ 0.</exception>
    public ExponentialLR(Optimizer optimizer, double gamma) : base(optimizer)
    {
        Schedules.CheckGamma("ExponentialLR", gamma);
        Gamma = gamma;
        Start();
    }

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<double> ComputeLr() =>
        LastEpoch == 0 ? GroupLrs() : [.. GroupLrs().Select(lr => lr * Gamma)];

    /// <inheritdoc/>
    protected override IReadOnlyList<double>? ClosedFormLr() => [.. BaseLrs.Select(b => b * Math.Pow(Gamma, LastEpoch))];
}

/// <summary>Linear warm-up (or decay): scales the base rate by a factor that moves linearly from startFactor to endFactor over totalIters epochs (PyTorch's LinearLR).</summary>
/// <remarks>
/// lr(epoch) = base_lr · (start + (end − start)·min(epoch, totalIters)/totalIters). Chain it before another
/// schedule with <see cref="SequentialLR"/> for "warm-up, then cosine".
/// </remarks>
public sealed class LinearLR : LRScheduler
{
    /// <summary>Scales from <paramref name="startFactor"/> to <paramref name="endFactor"/> over <paramref name="totalIters"/> epochs.</summary>
    /// <exception cref="ArgumentException">startFactor not in (0, 1], endFactor not in [0, 1], or totalIters &lt; 1.</exception>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5) : base(optimizer)
    {
        // PyTorch 1.13 accepts startFactor 0, but its recursive form then divides by zero at epoch 1.
        if (!(startFactor > 0 && startFactor <= 1)) throw new ArgumentException($"LinearLR: startFactor must be in (0, 1], got {startFactor}.");
        if (!(endFactor >= 0 && endFactor <= 1)) throw new ArgumentException($"LinearLR: endFactor must be in [0, 1], got {endFactor}.");
        if (totalIters < 1) throw new ArgumentException($"LinearLR: totalIters must be >= 1, got {totalIters}.");
        StartFactor = startFactor;
        EndFactor = endFactor;
        TotalIters = totalIters;
        Start();
    }

    /// <summary>The factor at epoch 0.</summary>
    public double StartFactor { get; }

    /// <summary>The factor from epoch totalIters on.</summary>
    public double EndFactor { get; }

    /// <summary>Epochs to go from startFactor to endFactor.</summary>
    public int TotalIters { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<double> ComputeLr()
    {
        if (LastEpoch == 0) return [.. GroupLrs().Select(lr => lr * StartFactor)];
        if (LastEpoch > TotalIters) return GroupLrs();
        double diff = EndFactor - StartFactor;
        return [.. GroupLrs().Select(lr => lr * (1.0 + diff / (TotalIters * StartFactor + (LastEpoch - 1) * diff)))];
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<double>? ClosedFormLr() =>
        [.. BaseLrs.Select(b => b * (StartFactor + (EndFactor - StartFactor) * Math.Min(TotalIters, LastEpoch) / TotalIters))];
}

/// <summary>Cosine annealing from the base rate down to etaMin over tMax epochs (SGDR without restarts).</summary>
/// <remarks>
/// lr(epoch) = etaMin + (base_lr − etaMin)·(1 + cos(π·epoch/tMax))/2. As in PyTorch, each step computes it
/// recursively from the current rate, so the values match PyTorch's (also past tMax, where the rate rises
/// again along the cosine) and the schedule composes with changes made by others.
/// </remarks>
public sealed class CosineAnnealingLR : LRScheduler
{
    /// <summary>Anneals over <paramref name="tMax"/> epochs to <paramref name="etaMin"/>.</summary>
    /// <exception cref="ArgumentException">tMax &lt; 1 or etaMin not finite.</exception>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        if (tMax < 1) throw new ArgumentException($"CosineAnnealingLR: tMax must be >= 1, got {tMax}.");
        if (!double.IsFinite(etaMin)) throw new ArgumentException($"CosineAnnealingLR: etaMin must be finite, got {etaMin}.");
        TMax = tMax;
        EtaMin = etaMin;
        Start();
    }

    /// <summary>Half-period in epochs.</summary>
    public int TMax { get; }

    /// <summary>The minimum learning rate.</summary>
    public double EtaMin { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<double> ComputeLr()
    {
        var lrs = GroupLrs();
        int e = LastEpoch;
        if (e == 0) return lrs;
        if (StepCount == 1 && e > 0)
            return [.. BaseLrs.Select(b => EtaMin + (b - EtaMin) * (1 + Math.Cos(e * Math.PI / TMax)) / 2)];
        if (Schedules.FloorMod(e - 1 - TMax, 2 * TMax) == 0)
            return [.. lrs.Select((lr, i) => lr + (BaseLrs[i] - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2)];
        return [.. lrs.Select(lr => (1 + Math.Cos(Math.PI * e / TMax)) / (1 + Math.Cos(Math.PI * (e - 1) / TMax)) * (lr - EtaMin) + EtaMin)];
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<double>? ClosedFormLr() =>
        [.. BaseLrs.Select(b => EtaMin + (b - EtaMin) * (1 + Math.Cos(Math.PI * LastEpoch / TMax)) / 2)];
}

/// <summary>Helpers shared by the schedules.</summary>
internal static class Schedules
{
    public static void CheckGamma(string op, double gamma)
    {
        if (!(gamma >= 0) || double.IsInfinity(gamma)) throw new ArgumentException($"{op}: gamma must be finite and >= 0, got {gamma}.");
    }

    /// <summary>Python's a % m for m &gt; 0 (never negative).</summary>
    public static int FloorMod(int a, int m) => ((a % m) + m) % m;
}
