using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cajal.Io;
using Cajal.Optim;

namespace Cajal.Training;

/// <summary>Stops training when a validation metric has not improved for <c>Patience</c> epochs, as Keras' <c>EarlyStopping</c>.</summary>
/// <param name="patience">Epochs without improvement before stopping.</param>
/// <param name="monitorAccuracy">Watch validation accuracy (higher is better) instead of validation loss.</param>
/// <param name="minDelta">The smallest change that counts as an improvement.</param>
public sealed class EarlyStopping(int patience = 3, bool monitorAccuracy = false, double minDelta = 0.0) : ITrainerCallback
{
    private double _best = double.NaN;
    private int _bad;

    /// <summary>The epoch training stopped after, or null.</summary>
    public int? StoppedEpoch { get; private set; }

    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(metrics);
        double? value = monitorAccuracy ? metrics.ValAccuracy : metrics.ValLoss;
        double current = value ?? (monitorAccuracy ? metrics.TrainAccuracy : metrics.TrainLoss);
        bool better = double.IsNaN(_best) || (monitorAccuracy ? current > _best + minDelta : current < _best - minDelta);
        if (better)
        {
            _best = current;
            _bad = 0;
            return;
        }
        if (++_bad >= patience)
        {
            StoppedEpoch = metrics.Epoch;
            trainer.StopRequested = true;
        }
    }
}

/// <summary>
/// Saves a checkpoint after every epoch (model, optimizer, scheduler, epoch, history and the named generators) and,
/// when validation accuracy improves, the model alone as the best one. Every write is atomic.
/// </summary>
public sealed class CheckpointCallback : ITrainerCallback
{
    private readonly IReadOnlyDictionary<string, Generator> _generators;
    private readonly IReadOnlyDictionary<string, string>? _metadata;
    private double _bestAccuracy = double.NegativeInfinity;

    /// <summary>Creates the callback writing to <paramref name="lastPath"/> and <paramref name="bestPath"/> (null: no best file).</summary>
    /// <param name="lastPath">The checkpoint rewritten after every epoch.</param>
    /// <param name="bestPath">The model file rewritten when validation accuracy improves, or null.</param>
    /// <param name="generators">Generators whose states the checkpoint records, by name.</param>
    /// <param name="metadata">Extra string pairs stored in every checkpoint (e.g. the run's options); keys must not start with <c>trainer.</c> or <c>cajal.</c>.</param>
    public CheckpointCallback(string lastPath, string? bestPath, IReadOnlyDictionary<string, Generator>? generators = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        LastPath = lastPath ?? throw new ArgumentNullException(nameof(lastPath));
        BestPath = bestPath;
        _generators = generators ?? new Dictionary<string, Generator>();
        _metadata = metadata;
    }

    /// <summary>The checkpoint rewritten after every epoch.</summary>
    public string LastPath { get; }

    /// <summary>The model file rewritten when validation accuracy improves, or null.</summary>
    public string? BestPath { get; }

    /// <summary>The epoch of the best model so far.</summary>
    public int? BestEpoch { get; private set; }

    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(metrics);
        Save(trainer, LastPath, _generators, _metadata);
        double accuracy = metrics.ValAccuracy ?? metrics.TrainAccuracy;
        if (BestPath is not null && accuracy > _bestAccuracy)
        {
            _bestAccuracy = accuracy;
            BestEpoch = metrics.Epoch;
            SafeTensors.Save(BestPath, trainer.Model.StateDict(),
                new Dictionary<string, string> { ["epoch"] = metrics.Epoch.ToString(CultureInfo.InvariantCulture), ["accuracy"] = accuracy.ToString("R", CultureInfo.InvariantCulture) });
        }
    }

    /// <summary>Writes the whole training state of <paramref name="trainer"/> to <paramref name="path"/>.</summary>
    /// <param name="trainer">The trainer whose model, optimizer, scheduler, epoch count and history are saved.</param>
    /// <param name="path">The checkpoint file, replaced atomically.</param>
    /// <param name="generators">Generators whose states are saved, by name.</param>
    /// <param name="metadata">Extra string pairs to store; keys must not start with <c>trainer.</c> or <c>cajal.</c>.</param>
    public static void Save(Trainer trainer, string path, IReadOnlyDictionary<string, Generator> generators,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(generators);
        var optimizerState = trainer.Optimizer.StateDict();
        var all = new Dictionary<string, string>();
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (key.StartsWith("trainer.", StringComparison.Ordinal))
                throw new ArgumentException($"CheckpointCallback.Save: metadata key '{key}' starts with 'trainer.', which is reserved for the trainer's state.");
            all[key] = value;
        }
        all["trainer.history"] = JsonSerializer.Serialize(trainer.History);
        foreach (var (name, generator) in generators)
            all[$"trainer.generator.{name}"] = string.Join(' ', generator.GetState().Select(w => w.ToString("x16", CultureInfo.InvariantCulture)));
        new Checkpoint
        {
            Model = trainer.Model.StateDict(),
            OptimizerState = optimizerState.Tensors,
            OptimizerOptions = optimizerState.Metadata.ToJson(),
            SchedulerState = trainer.Scheduler?.StateDict().ToJsonString(),
            Epoch = trainer.CompletedEpochs,
            Metadata = all,
        }.Save(path);
    }

    /// <summary>Restores a state written by <see cref="Save"/> into <paramref name="trainer"/> and the named generators.</summary>
    public static void Restore(Trainer trainer, string path, IReadOnlyDictionary<string, Generator> generators)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(generators);
        var checkpoint = Checkpoint.Load(path);
        trainer.Model.LoadStateDict(checkpoint.Model);
        trainer.Optimizer.LoadStateDict(new OptimizerStateDict(checkpoint.OptimizerState,
            OptimizerMetadata.FromJson(checkpoint.OptimizerOptions ?? throw new InvalidDataException($"checkpoint '{path}' has no optimizer state."))));
        if (trainer.Scheduler is not null)
        {
            var json = checkpoint.SchedulerState ?? throw new InvalidDataException($"checkpoint '{path}' has no scheduler state but the run has a scheduler.");
            trainer.Scheduler.LoadStateDict(JsonNode.Parse(json)!.AsObject());
        }
        trainer.CompletedEpochs = checked((int)checkpoint.Epoch);
        if (checkpoint.Metadata.TryGetValue("trainer.history", out var history))
            trainer.RestoreHistory(JsonSerializer.Deserialize<List<EpochMetrics>>(history) ?? []);
        foreach (var (name, generator) in generators)
        {
            if (!checkpoint.Metadata.TryGetValue($"trainer.generator.{name}", out var words))
                throw new InvalidDataException($"checkpoint '{path}' has no state for generator '{name}'.");
            generator.SetState([.. words.Split(' ').Select(w => ulong.Parse(w, NumberStyles.HexNumber, CultureInfo.InvariantCulture))]);
        }
    }
}
