using System.Text.Json.Nodes;

namespace Cajal.Optim;

/// <summary>Whether <see cref="ReduceLROnPlateau"/> watches a quantity that should fall (a loss) or rise (an accuracy).</summary>
public enum PlateauMode
{
    /// <summary>Lower is better.</summary>
    Min,

    /// <summary>Higher is better.</summary>
    Max,
}

/// <summary>How <see cref="ReduceLROnPlateau"/> decides that a value is a significant improvement.</summary>
public enum ThresholdMode
{
    /// <summary>Relative: better than best·(1 − threshold) in Min mode, best·(1 + threshold) in Max mode.</summary>
    Rel,

    /// <summary>Absolute: better than best − threshold in Min mode, best + threshold in Max mode.</summary>
    Abs,
}

/// <summary>Multiplies the learning rate by <c>factor</c> when a metric has stopped improving for <c>patience</c> epochs.</summary>
/// <remarks>
/// Call <see cref="Step(double)"/> with the validation metric after each epoch. An epoch that does not beat the best
/// value by the threshold is "bad"; after more than <c>patience</c> bad epochs each group's rate becomes
/// max(lr·factor, minLr) (unless that changes it by less than eps) and the scheduler waits <c>cooldown</c>
/// epochs before counting again. Behaves as PyTorch 1.13's.
/// </remarks>
public sealed class ReduceLROnPlateau
{
    private readonly double[] _minLrs;
    private double[] _lastLr;

    /// <summary>A plateau scheduler with one minimum rate for all groups.</summary>
    /// <inheritdoc cref="ReduceLROnPlateau(Optimizer, IReadOnlyList{double}, PlateauMode, double, int, double, ThresholdMode, int, double)"/>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1, int patience = 10,
        double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Rel, int cooldown = 0, double minLr = 0, double eps = 1e-8)
        : this(optimizer, [.. Enumerable.Repeat(minLr, optimizer?.ParamGroups.Count ?? 0)], mode, factor, patience, threshold, thresholdMode, cooldown, eps) { }

    /// <summary>A plateau scheduler with a minimum rate per group.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="minLrs">The lowest rate of each group.</param>
    /// <param name="mode">Whether the metric should fall or rise.</param>
    /// <param name="factor">The reduction factor, in [0, 1).</param>
    /// <param name="patience">Bad epochs tolerated before reducing.</param>
    /// <param name="threshold">The margin a value must beat the best by.</param>
    /// <param name="thresholdMode">Relative or absolute margin.</param>
    /// <param name="cooldown">Epochs to wait after a reduction before counting bad epochs again.</param>
    /// <param name="eps">A reduction smaller than this is skipped.</param>
    /// <exception cref="ArgumentException">A value is out of range or minLrs has the wrong length.</exception>
    public ReduceLROnPlateau(Optimizer optimizer, IReadOnlyList<double> minLrs, PlateauMode mode = PlateauMode.Min, double factor = 0.1,
        int patience = 10, double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Rel, int cooldown = 0, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(minLrs);
        if (!(factor < 1.0)) throw new ArgumentException($"ReduceLROnPlateau: factor should be < 1.0, got {factor}.");
        if (!(factor >= 0)) throw new ArgumentException($"ReduceLROnPlateau: factor should be >= 0, got {factor}.");
        if (minLrs.Count != optimizer.ParamGroups.Count)
            throw new ArgumentException($"ReduceLROnPlateau: expected {optimizer.ParamGroups.Count} min_lrs, got {minLrs.Count}.");
        if (patience < 0 || cooldown < 0) throw new ArgumentException($"ReduceLROnPlateau: patience ({patience}) and cooldown ({cooldown}) must be >= 0.");
        if (!Enum.IsDefined(mode) || !Enum.IsDefined(thresholdMode)) throw new ArgumentException($"ReduceLROnPlateau: unknown mode {mode} or threshold mode {thresholdMode}.");
        if (double.IsNaN(threshold) || double.IsNaN(eps)) throw new ArgumentException("ReduceLROnPlateau: threshold and eps must be numbers.");
        Optimizer = optimizer;
        _minLrs = [.. minLrs];
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        Eps = eps;
        Best = WorstValue;
        _lastLr = [.. optimizer.ParamGroups.Select(g => g.Lr)];
    }

    /// <summary>The optimizer whose rates are reduced.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Min or Max.</summary>
    public PlateauMode Mode { get; }

    /// <summary>The reduction factor.</summary>
    public double Factor { get; }

    /// <summary>Bad epochs tolerated before reducing.</summary>
    public int Patience { get; }

    /// <summary>The improvement margin.</summary>
    public double Threshold { get; }

    /// <summary>Relative or absolute margin.</summary>
    public ThresholdMode ThresholdMode { get; }

    /// <summary>Epochs to wait after a reduction.</summary>
    public int Cooldown { get; }

    /// <summary>The smallest change of rate that is applied.</summary>
    public double Eps { get; }

    /// <summary>The lowest rate of each group.</summary>
    public IReadOnlyList<double> MinLrs => _minLrs;

    /// <summary>The best metric seen so far (±∞ before the first step).</summary>
    public double Best { get; private set; }

    /// <summary>Consecutive epochs without significant improvement.</summary>
    public int NumBadEpochs { get; private set; }

    /// <summary>Epochs of cooldown left.</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>The number of <see cref="Step(double)"/> calls.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The groups' learning rates after the last step.</summary>
    public IReadOnlyList<double> LastLr => _lastLr;

    private double WorstValue => Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>Records the epoch's <paramref name="metric"/> and reduces the rates when it has plateaued.</summary>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            NumBadEpochs = 0;
        }
        else
        {
            NumBadEpochs++;
        }
        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            NumBadEpochs = 0;   // bad epochs in cooldown do not count
        }
        if (NumBadEpochs > Patience)
        {
            ReduceLr();
            CooldownCounter = Cooldown;
            NumBadEpochs = 0;
        }
        _lastLr = [.. Optimizer.ParamGroups.Select(g => g.Lr)];
    }

    /// <summary>Records a one-element metric tensor (e.g. the validation loss).</summary>
    public void Step(Tensor metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        Step(metric.Item());
    }

    private void ReduceLr()
    {
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++)
        {
            double old = groups[i].Lr;
            double updated = Math.Max(old * Factor, _minLrs[i]);
            if (old - updated > Eps) groups[i].Lr = updated;
        }
    }

    private bool IsBetter(double a, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Rel) => a < best * (1.0 - Threshold),
        (PlateauMode.Min, ThresholdMode.Abs) => a < best - Threshold,
        (PlateauMode.Max, ThresholdMode.Rel) => a > best * (Threshold + 1.0),
        _ => a > best + Threshold,
    };

    /// <summary>The scheduler's counters and best value as JSON (±∞ written as strings).</summary>
    public JsonObject StateDict() => new()
    {
        ["type"] = nameof(ReduceLROnPlateau),
        ["mode"] = Mode == PlateauMode.Min ? "min" : "max",
        ["threshold_mode"] = ThresholdMode == ThresholdMode.Rel ? "rel" : "abs",
        ["best"] = SchedulerJson.Number(Best),
        ["num_bad_epochs"] = NumBadEpochs,
        ["cooldown_counter"] = CooldownCounter,
        ["last_epoch"] = LastEpoch,
        ["last_lr"] = SchedulerJson.Array(_lastLr),
    };

    /// <summary>Restores counters and the best value written by <see cref="StateDict"/>.</summary>
    /// <exception cref="ArgumentException">The state is for another scheduler, mode or group count, or a value is missing.</exception>
    public void LoadStateDict(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        const string op = "ReduceLROnPlateau.LoadStateDict";
        if (SchedulerJson.String(state, "type", op) != nameof(ReduceLROnPlateau)) throw new ArgumentException($"{op}: the state was saved by another scheduler.");
        string mode = SchedulerJson.String(state, "mode", op), thresholdMode = SchedulerJson.String(state, "threshold_mode", op);
        if (mode != (Mode == PlateauMode.Min ? "min" : "max") || thresholdMode != (ThresholdMode == ThresholdMode.Rel ? "rel" : "abs"))
            throw new ArgumentException($"{op}: the state is for mode '{mode}', threshold mode '{thresholdMode}'; this scheduler uses {Mode}, {ThresholdMode}.");
        double best = SchedulerJson.Double(state, "best", op);
        int bad = SchedulerJson.Int(state, "num_bad_epochs", op), cooldown = SchedulerJson.Int(state, "cooldown_counter", op);
        int lastEpoch = SchedulerJson.Int(state, "last_epoch", op);
        var lastLr = SchedulerJson.Doubles(state, "last_lr", op);
        if (lastLr.Length != Optimizer.ParamGroups.Count) throw new ArgumentException($"{op}: the state has {lastLr.Length} rates, the optimizer {Optimizer.ParamGroups.Count} groups.");
        (Best, NumBadEpochs, CooldownCounter, LastEpoch, _lastLr) = (best, bad, cooldown, lastEpoch, lastLr);
    }
}
