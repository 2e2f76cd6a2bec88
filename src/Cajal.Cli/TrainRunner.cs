using System.Diagnostics;
using System.Globalization;
using Cajal.Data;
using Cajal.Io;
using Cajal.Nn;
using Cajal.Training;

namespace Cajal.Cli;

/// <summary>Runs <c>cajal train</c>: data, model, training with progress, then the run folder's files and a report.</summary>
/// <remarks>
/// Ctrl-C (or <see cref="CliHooks.Cancellation"/>) stops after the current step; the checkpoint of the last completed
/// epoch, written at that epoch's end, stays in the run folder, the command to resume is printed, and the exit code is
/// <see cref="Program.Interrupted"/> (130, the shell's code for SIGINT). A second Ctrl-C ends the process at once.
/// </remarks>
internal static class TrainRunner
{
    /// <summary>The run folder's files.</summary>
    public const string MetricsCsv = "metrics.csv", MetricsJson = "metrics.json", LossPng = "loss.png", AccuracyPng = "accuracy.png",
        ConfusionPng = "confusion.png", PredictionsPng = "predictions.png", ModelFileName = "model.safetensors",
        CheckpointFileName = "checkpoint.safetensors";

    /// <summary>Test images per evaluation batch.</summary>
    private const int EvalBatch = 1000;

    public static int Run(TrainOptions options, TextWriter stdout, TextWriter stderr, CliHooks hooks)
    {
        var clock = Stopwatch.StartNew();
        int threadsBefore = Parallelism.MaxThreads;
        try
        {
            if (options.Threads is int t) Parallelism.MaxThreads = t;
            return RunCore(options, stdout, stderr, hooks, clock);
        }
        finally
        {
            Parallelism.MaxThreads = threadsBefore;
        }
    }

    private static int RunCore(TrainOptions options, TextWriter stdout, TextWriter stderr, CliHooks hooks, Stopwatch clock)
    {
        var defaults = ClassifierCatalog.Defaults(options.Model);
        var data = DatasetChoice.Load(options.Dataset, options.DataDir, options.Limit);
        var optimizerKind = options.Optimizer ?? defaults.Optimizer;
        var config = new RunConfig(
            options.Model, data.Kind,
            options.Epochs ?? (data.Kind == DatasetKind.Embedded ? defaults.EpochsEmbedded : defaults.EpochsFull),
            options.BatchSize ?? defaults.BatchSize,
            options.LearningRate ?? (options.Optimizer is null || optimizerKind == defaults.Optimizer ? defaults.LearningRate : DefaultLearningRate(optimizerKind)),
            optimizerKind, options.Schedule, options.Seed, options.Limit, data.Train.Count);

        var runFolder = options.OutDirectory ?? Path.Combine("runs", $"{ClassifierCatalog.Name(config.Model)}-{DatasetChoice.Name(config.Dataset)}-seed{config.Seed}");
        ProbeRunFolder(runFolder);
        var checkpointPath = Path.Combine(runFolder, CheckpointFileName);

        // Before anything is trained: a resume must find its checkpoint, made with the same options.
        if (options.Resume)
        {
            if (!File.Exists(checkpointPath))
                throw new IOException($"--resume: there is no checkpoint at {checkpointPath}; run without --resume to start training.");
            var saved = SafeTensors.ReadHeader(checkpointPath).Metadata;
            if (!saved.TryGetValue(RunConfig.MetadataKey, out var savedJson))
                throw new InvalidDataException($"--resume: {checkpointPath} was not written by 'cajal train' (no '{RunConfig.MetadataKey}' metadata).");
            var differences = config.Differences(savedJson);
            if (differences.Count > 0)
                throw new ArgumentException($"--resume needs the options the run was started with; they differ: {string.Join("; ", differences)}.");
        }

        var report = options.Json ? stderr : stdout;   // the header: on stdout unless stdout is kept for JSON
        report.WriteLine($"Training {ClassifierCatalog.Name(config.Model)} on {data.Title} ({data.Train.Count} training, {data.Test.Count} test images): {data.Reason}.");
        report.WriteLine(FormattableString.Invariant(
            $"Seed {config.Seed} (separate generators for the initial weights, the data order and dropout); {Describe(config.Optimizer, config.LearningRate)}{(config.Schedule == ScheduleKind.Cosine ? " annealed to 0 by a cosine schedule" : "")}, batch {config.BatchSize}, {config.Epochs} epoch{(config.Epochs == 1 ? "" : "s")}, {Parallelism.MaxThreads} thread{(Parallelism.MaxThreads == 1 ? "" : "s")}."));
        report.WriteLine($"Run folder: {Path.GetFullPath(runFolder)}");
        if (data.Kind == DatasetKind.Embedded)
            report.WriteLine("The embedded subset is Fashion-MNIST data, © 2017 Zalando SE, MIT licence (LICENSE-Fashion-MNIST.txt in the tool package).");

        // One seed, three independent streams, so that changing e.g. dropout does not change the data order.
        var init = new Generator(SeedStream(config.Seed, 1));
        var dataGenerator = new Generator(SeedStream(config.Seed, 2));
        var dropout = new Generator(SeedStream(config.Seed, 3));
        var generators = new Dictionary<string, Generator> { ["data"] = dataGenerator, ["dropout"] = dropout };

        var classes = data.Train.ClassNames;
        var model = ClassifierCatalog.Create(config.Model, classes.Count, init, dropout);
        var optimizer = ClassifierCatalog.CreateOptimizer(config.Optimizer, model.Parameters(), config.LearningRate);
        var trainer = new Trainer(model, optimizer, new CrossEntropyLoss(), ClassifierCatalog.CreateScheduler(config.Schedule, optimizer, config.Epochs));
        IImageDataset trainSet = config.Model == ModelKind.Cnn
            ? new TransformedDataset(data.Train, new RandomHorizontalFlip(0.5), dataGenerator)   // the CNN trains longer: augment
            : data.Train;
        var trainLoader = DataLoader.ForImages(trainSet, config.BatchSize, shuffle: true, generator: dataGenerator);
        var testLoader = DataLoader.ForImages(data.Test, EvalBatch);

        if (options.Resume)
        {
            CheckpointCallback.Restore(trainer, checkpointPath, generators);
            report.WriteLine(trainer.CompletedEpochs >= config.Epochs
                ? $"Resumed: the checkpoint already holds {trainer.CompletedEpochs} epochs, no more to train (raise --epochs to continue)."
                : $"Resuming after epoch {trainer.CompletedEpochs} of {config.Epochs}.");
        }
        else if (File.Exists(checkpointPath))
        {
            report.WriteLine($"Starting over: the run folder's earlier checkpoint will be replaced (pass --resume to continue it instead).");
        }

        using var interrupt = new InterruptSource(process: ReferenceEquals(stderr, Console.Error), stderr, hooks.Cancellation);
        var progress = ProgressReporter.Create(stderr, config.Epochs);
        var checkpoint = new CheckpointCallback(checkpointPath, bestPath: null, generators,
            new Dictionary<string, string> { [RunConfig.MetadataKey] = config.ToJson() });
        var callbacks = new List<ITrainerCallback> { progress, checkpoint, new StopOnCancel(interrupt.Token) };
        callbacks.AddRange(hooks.TrainCallbacks);
        int epochsBefore = trainer.CompletedEpochs;

        progress.Run(() => trainer.Fit(trainLoader, config.Epochs, testLoader, callbacks));

        if (trainer.CompletedEpochs < config.Epochs)
        {
            int at = trainer.CompletedEpochs + 1;
            stderr.WriteLine(trainer.CompletedEpochs == 0
                ? $"cajal: interrupted during epoch {at}; no epoch was completed, so there is no checkpoint to resume from. Run the same command again to start over."
                : $"cajal: interrupted during epoch {at}; {checkpointPath} holds epoch {trainer.CompletedEpochs} of {config.Epochs}" +
                  $"{(trainer.CompletedEpochs > epochsBefore ? "" : " (from before this run)")}. To continue: {config.CommandLine(runFolder, resume: true, options.Threads, options.DataDir)}");
            return Program.Interrupted;
        }

        // The last epoch's test pass (with its confusion matrix); a resumed run with nothing left to train makes one.
        var evaluation = trainer.CompletedEpochs > epochsBefore && trainer.LastValidation is { } last ? last : trainer.Evaluate(testLoader);
        var info = new ModelInfo(config.Model, config.Dataset, classes, config.Seed, trainer.CompletedEpochs);
        ModelFile.Save(Path.Combine(runFolder, ModelFileName), model, info, evaluation.Accuracy, evaluation.Loss);
        RunFiles.WriteMetrics(runFolder, config, trainer.History);
        if (options.Plots)
        {
            var title = $"{ClassifierCatalog.Name(config.Model)} on {data.Title}, seed {config.Seed}";
            TrainPlots.SaveCurves(Path.Combine(runFolder, LossPng), Path.Combine(runFolder, AccuracyPng), trainer.History, title);
            TrainPlots.SaveConfusion(Path.Combine(runFolder, ConfusionPng), evaluation.Confusion, classes, title);
            PredictionGrid.Save(Path.Combine(runFolder, PredictionsPng), trainer, data.Test, title);
        }
        double seconds = clock.Elapsed.TotalSeconds;

        if (options.Json)
            stdout.WriteLine(RunFiles.SummaryJson(config, data, evaluation, trainer.CompletedEpochs, seconds, Path.GetFullPath(runFolder)));
        else
            RunFiles.WriteTable(stdout, trainer.History, evaluation, data.Test.Count, seconds, Path.GetFullPath(runFolder), options.Plots);
        return Program.Success;
    }

    /// <summary>The learning rate an optimizer gets when --optimizer is given without --lr.</summary>
    public static double DefaultLearningRate(OptimizerKind optimizer) => optimizer == OptimizerKind.Sgd ? 0.05 : 1e-3;

    private static string Describe(OptimizerKind optimizer, double lr) => optimizer switch
    {
        OptimizerKind.Sgd => FormattableString.Invariant($"SGD lr {lr:R} momentum 0.9"),
        OptimizerKind.Adam => FormattableString.Invariant($"Adam lr {lr:R}"),
        _ => FormattableString.Invariant($"AdamW lr {lr:R} weight decay 0.01"),
    };

    /// <summary>The seed of stream <paramref name="stream"/> of a run: SplitMix64 of the run's seed and the stream number.</summary>
    internal static ulong SeedStream(ulong seed, ulong stream)
    {
        ulong z = seed + stream * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Creates the run folder and writes and deletes a probe file, so that an unwritable folder fails before training.</summary>
    internal static void ProbeRunFolder(string runFolder)
    {
        var probe = Path.Combine(runFolder, $".cajal-write-probe-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(runFolder);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write to the run folder '{Path.GetFullPath(runFolder)}' ({e.Message}); choose another with --out DIR.", e);
        }
    }

    /// <summary>Stops the trainer after the current step once cancellation is requested.</summary>
    private sealed class StopOnCancel(CancellationToken token) : ITrainerCallback
    {
        public void OnStepEnd(Trainer trainer, StepInfo step)
        {
            if (token.IsCancellationRequested) trainer.StopRequested = true;
        }

        public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
        {
            if (token.IsCancellationRequested) trainer.StopRequested = true;
        }
    }

    /// <summary>Ctrl-C as a cancellation token: only when running as the process, and only for the first press.</summary>
    private sealed class InterruptSource : IDisposable
    {
        private readonly CancellationTokenSource _source;
        private readonly TextWriter _stderr;
        private readonly bool _process;

        public InterruptSource(bool process, TextWriter stderr, CancellationToken outer)
        {
            _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
            _stderr = stderr;
            _process = process;
            if (process) Console.CancelKeyPress += OnCancelKeyPress;
        }

        public CancellationToken Token => _source.Token;

        private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
        {
            if (_source.IsCancellationRequested) return;   // the second press ends the process
            e.Cancel = true;
            _source.Cancel();
            _stderr.WriteLine("cajal: stopping after this step (Ctrl-C again to quit at once)…");
        }

        public void Dispose()
        {
            if (_process) Console.CancelKeyPress -= OnCancelKeyPress;
            _source.Dispose();
        }
    }
}
