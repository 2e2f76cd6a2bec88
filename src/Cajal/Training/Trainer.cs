using System.Diagnostics;
using Cajal.Data;
using Cajal.Nn;
using Cajal.Optim;

namespace Cajal.Training;

/// <summary>Progress after one training step.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Step">The step within the epoch, from 1.</param>
/// <param name="StepsPerEpoch">Steps in an epoch.</param>
/// <param name="Loss">The running mean loss of the epoch so far.</param>
/// <param name="Accuracy">The running accuracy of the epoch so far.</param>
/// <param name="SamplesPerSecond">Training throughput so far this epoch.</param>
public sealed record StepInfo(int Epoch, int Step, int StepsPerEpoch, double Loss, double Accuracy, double SamplesPerSecond);

/// <summary>The figures of one finished epoch.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's samples.</param>
/// <param name="TrainAccuracy">Training accuracy (dropout and batch statistics active).</param>
/// <param name="ValLoss">Validation loss, or null without validation data.</param>
/// <param name="ValAccuracy">Validation accuracy, or null.</param>
/// <param name="LearningRate">The learning rate used in the epoch (first parameter group).</param>
/// <param name="Seconds">Wall time of the training part of the epoch.</param>
/// <param name="SamplesPerSecond">Training throughput.</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double? ValLoss, double? ValAccuracy,
    double LearningRate, double Seconds, double SamplesPerSecond);

/// <summary>Loss, accuracy and confusion matrix of a model over a dataset.</summary>
/// <param name="Loss">Mean loss per sample.</param>
/// <param name="Accuracy">Fraction correct.</param>
/// <param name="Confusion">Counts of (true, predicted) classes.</param>
public sealed record Evaluation(double Loss, double Accuracy, ConfusionMatrix Confusion);

/// <summary>Thrown when the loss becomes NaN or infinite; the message names the epoch and step.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message) : base(message) { }

    /// <summary>Creates the exception with no message.</summary>
    public TrainingDivergedException() { }

    /// <summary>Creates the exception with an inner exception.</summary>
    public TrainingDivergedException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>Hooks into <see cref="Trainer.Fit"/>; every method has an empty default.</summary>
public interface ITrainerCallback
{
    /// <summary>Before the first epoch.</summary>
    void OnTrainBegin(Trainer trainer) { }

    /// <summary>Before each epoch.</summary>
    void OnEpochBegin(Trainer trainer, int epoch) { }

    /// <summary>After each optimizer step.</summary>
    void OnStepEnd(Trainer trainer, StepInfo step) { }

    /// <summary>After each epoch, its validation included.</summary>
    void OnEpochEnd(Trainer trainer, EpochMetrics metrics) { }

    /// <summary>After training stops (normally, early or on request).</summary>
    void OnTrainEnd(Trainer trainer) { }
}

/// <summary>Fits a classifier with a loss and an optimizer, evaluates it and predicts: Keras' <c>fit</c> in a few lines.</summary>
/// <remarks>
/// Each step is the plain loop — forward, loss, <c>ZeroGrad</c>, backward, <c>Step</c> — and nothing more, so the
/// explicit loop in the docs and this class train identically. The scheduler, when given, steps once per epoch
/// (or per batch with <c>schedulerPerBatch</c>), as PyTorch recommends for each kind.
/// </remarks>
public sealed class Trainer
{
    private readonly List<EpochMetrics> _history = [];

    /// <summary>Creates a trainer.</summary>
    public Trainer(Module model, Optimizer optimizer, Loss loss, LRScheduler? scheduler = null, bool schedulerPerBatch = false,
        ReduceLROnPlateau? plateau = null)
    {
        Plateau = plateau;
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        LossFunction = loss ?? throw new ArgumentNullException(nameof(loss));
        Scheduler = scheduler;
        SchedulerPerBatch = schedulerPerBatch;
    }

    /// <summary>The model being trained.</summary>
    public Module Model { get; }

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The loss.</summary>
    public Loss LossFunction { get; }

    /// <summary>The learning-rate scheduler, or null.</summary>
    public LRScheduler? Scheduler { get; }

    /// <summary>Lowers the learning rate when the validation loss (else the training loss) stops improving; steps each epoch.</summary>
    public ReduceLROnPlateau? Plateau { get; }

    /// <summary>Whether the scheduler steps after every batch instead of every epoch.</summary>
    public bool SchedulerPerBatch { get; }

    /// <summary>Epochs completed so far (set it when resuming from a checkpoint).</summary>
    public int CompletedEpochs { get; set; }

    /// <summary>The metrics of every completed epoch.</summary>
    public IReadOnlyList<EpochMetrics> History => _history;

    /// <summary>The last validation pass of <see cref="Fit"/> (with its confusion matrix), or null before there is one.</summary>
    public Evaluation? LastValidation { get; private set; }

    /// <summary>Set by a callback (early stopping, Ctrl-C) to stop after the current step or epoch.</summary>
    public bool StopRequested { get; set; }

    /// <summary>Restores the history of a resumed run.</summary>
    public void RestoreHistory(IEnumerable<EpochMetrics> history)
    {
        _history.Clear();
        _history.AddRange(history);
    }

    /// <summary>Trains until <paramref name="epochs"/> epochs are complete (counting earlier ones) or a callback stops it.</summary>
    public IReadOnlyList<EpochMetrics> Fit(IEnumerable<ImageBatch> train, int epochs, IEnumerable<ImageBatch>? validation = null,
        IReadOnlyList<ITrainerCallback>? callbacks = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        callbacks ??= [];
        StopRequested = false;
        foreach (var c in callbacks) c.OnTrainBegin(this);
        while (CompletedEpochs < epochs && !StopRequested)
        {
            int epoch = CompletedEpochs + 1;
            foreach (var c in callbacks) c.OnEpochBegin(this, epoch);
            var metrics = TrainEpoch(train, epoch, callbacks);
            if (metrics is null) break;   // stopped mid-epoch: the epoch does not count
            if (validation is not null)
            {
                var eval = Evaluate(validation);
                LastValidation = eval;
                metrics = metrics with { ValLoss = eval.Loss, ValAccuracy = eval.Accuracy };
            }
            if (Scheduler is not null && !SchedulerPerBatch) Scheduler.Step();
            Plateau?.Step(metrics.ValLoss ?? metrics.TrainLoss);
            CompletedEpochs = epoch;
            _history.Add(metrics);
            foreach (var c in callbacks) c.OnEpochEnd(this, metrics);
        }
        foreach (var c in callbacks) c.OnTrainEnd(this);
        return _history;
    }

    private EpochMetrics? TrainEpoch(IEnumerable<ImageBatch> train, int epoch, IReadOnlyList<ITrainerCallback> callbacks)
    {
        Model.Train();
        double lr = Optimizer.ParamGroups[0].Lr;
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long correct = 0, seen = 0;
        int step = 0;
        int steps = train is System.Collections.ICollection col ? col.Count : TryCount(train);
        foreach (var batch in train)
        {
            step++;
            var logits = Model.Forward(batch.Images);
            var loss = LossFunction.Forward(logits, batch.Labels);
            double value = loss.Item();
            if (!double.IsFinite(value))
                throw new TrainingDivergedException($"The loss became {value} at epoch {epoch}, step {step}; try a smaller learning rate.");
            Optimizer.ZeroGrad();
            loss.Backward();
            Optimizer.Step();
            if (Scheduler is not null && SchedulerPerBatch) Scheduler.Step();
            int n = batch.Count;
            lossSum += value * n;
            seen += n;
            correct += CountCorrect(logits, batch.Labels);
            var info = new StepInfo(epoch, step, steps, lossSum / seen, (double)correct / seen, seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9));
            foreach (var c in callbacks) c.OnStepEnd(this, info);
            if (StopRequested) return null;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return new EpochMetrics(epoch, lossSum / Math.Max(seen, 1), (double)correct / Math.Max(seen, 1), null, null, lr, seconds, seen / Math.Max(seconds, 1e-9));
    }

    private static int TryCount(IEnumerable<ImageBatch> batches) =>
        batches is DataLoader<ImageSample, ImageBatch> loader ? loader.BatchCount : 0;

    private static long CountCorrect(Tensor logits, Tensor labels)
    {
        using var _ = Autograd.NoGrad();
        var predicted = logits.ArgMax(1).ToArray<long>();
        var actual = labels.ToArray<long>();
        long correct = 0;
        for (int i = 0; i < actual.Length; i++) if (predicted[i] == actual[i]) correct++;
        return correct;
    }

    /// <summary>Loss, accuracy and confusion matrix over <paramref name="data"/>, in evaluation mode without recording.</summary>
    public Evaluation Evaluate(IEnumerable<ImageBatch> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        bool wasTraining = Model.Training;
        Model.Eval();
        try
        {
            using var _ = Autograd.NoGrad();
            ConfusionMatrix? confusion = null;
            double lossSum = 0;
            long seen = 0;
            foreach (var batch in data)
            {
                var logits = Model.Forward(batch.Images);
                confusion ??= new ConfusionMatrix(logits.Size(1));
                lossSum += LossFunction.Forward(logits, batch.Labels).Item() * batch.Count;
                seen += batch.Count;
                confusion.Add(logits, batch.Labels);
            }
            confusion ??= new ConfusionMatrix(1);
            return new Evaluation(seen == 0 ? 0 : lossSum / seen, confusion.Accuracy, confusion);
        }
        finally
        {
            Model.Train(wasTraining);
        }
    }

    /// <summary>Class probabilities (softmax of the logits) for a batch of images, in evaluation mode.</summary>
    public Tensor PredictProbabilities(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        bool wasTraining = Model.Training;
        Model.Eval();
        try
        {
            using var _ = Autograd.NoGrad();
            return Model.Forward(images).Softmax(1);
        }
        finally
        {
            Model.Train(wasTraining);
        }
    }
}
