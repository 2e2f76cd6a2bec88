using System.Diagnostics;
using System.Globalization;
using Cajal.Detection;
using Cajal.Optim;
using Cajal.Training;

namespace Cajal.Cli;

/// <summary>One epoch of <c>cajal detect-demo</c>: mean loss parts over the training batches and mAP on the held-out images.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Loss">Mean total loss per batch.</param>
/// <param name="XY">Mean loss_xy.</param>
/// <param name="WH">Mean loss_wh.</param>
/// <param name="Conf">Mean loss_conf.</param>
/// <param name="Class">Mean loss_class.</param>
/// <param name="Map50">mAP@0.5 on the held-out images after the epoch.</param>
/// <param name="ClassAp">AP@0.5 per class after the epoch.</param>
/// <param name="LearningRate">The learning rate of the epoch's last step.</param>
/// <param name="Seconds">Seconds of training in the epoch (without the evaluation).</param>
/// <param name="ImagesPerSecond">Training images per second.</param>
/// <param name="Elapsed">Seconds since the command started, after the evaluation.</param>
internal sealed record DetectEpoch(int Epoch, double Loss, double XY, double WH, double Conf, double Class, double Map50,
    IReadOnlyList<double> ClassAp, double LearningRate, double Seconds, double ImagesPerSecond, double Elapsed);

/// <summary>Runs <c>cajal detect-demo</c>: generate the shapes, fit the anchors, train the detector with YoloV3Loss, measure mAP, write the files.</summary>
internal static class DetectRunner
{
    /// <summary>The run folder's files.</summary>
    public const string MetricsJson = "metrics.json", MetricsCsv = "metrics.csv", DetectionsPng = "detections.png", ModelFileName = "model.safetensors";

    /// <summary>Detections scored below this are not counted for mAP (a low threshold, so the PR curve reaches far).</summary>
    public const double EvalScoreThreshold = 0.01;

    /// <summary>Per-class NMS overlap threshold.</summary>
    public const double NmsIouThreshold = 0.45;

    /// <summary>The first block's channels: blocks of 16, 32, 64, 64, 128, 128.</summary>
    public const int Width = 16;

    private const int EvalBatch = 100, MaxDetections = 100;

    public static int Run(DetectOptions options, TextWriter stdout, TextWriter stderr)
    {
        var clock = Stopwatch.StartNew();
        int threadsBefore = Parallelism.MaxThreads;
        try
        {
            if (options.Threads is int t) Parallelism.MaxThreads = t;
            return RunCore(options, stdout, stderr, clock);
        }
        finally
        {
            Parallelism.MaxThreads = threadsBefore;
        }
    }

    private static int RunCore(DetectOptions options, TextWriter stdout, TextWriter stderr, Stopwatch clock)
    {
        var runFolder = options.OutDirectory ?? Path.Combine("runs", $"detect-{DetectCommand.Name(options.Variant)}-seed{options.Seed}");
        TrainRunner.ProbeRunFolder(runFolder);
        var report = options.Json ? stderr : stdout;

        // Independent streams of the one seed: training images, held-out images, initial weights, batch order.
        var train = ShapesDataset.Generate(options.TrainImages, TrainRunner.SeedStream(options.Seed, 4));
        var test = ShapesDataset.Generate(options.TestImages, TrainRunner.SeedStream(options.Seed, 5));
        int size = train.ImageSize;
        var shapes = train.AllBoxes().SelectMany(b => b).Select(b => (b.W * size, b.H * size)).ToList();
        var anchors = AnchorClustering.KMeans(shapes, 2 * YoloDetector.AnchorsPerScale);
        var model = new YoloDetector(ShapesDataset.ClassNames.Count, anchors, size, Width, new Generator(TrainRunner.SeedStream(options.Seed, 1)));
        var order = new Generator(TrainRunner.SeedStream(options.Seed, 2));
        var lossFn = new YoloV3Loss(model.Anchors, model.Masks, size, size, ShapesDataset.ClassNames.Count, options.Variant);
        var optimizer = new Adam(model.Parameters(), lr: options.LearningRate);
        int stepsPerEpoch = (options.TrainImages + options.BatchSize - 1) / options.BatchSize;
        int totalSteps = options.Epochs * stepsPerEpoch;
        int warmup = Math.Clamp(totalSteps / 10, 1, 200);
        LRScheduler scheduler = totalSteps > warmup
            ? new SequentialLR(optimizer, [new LinearLR(optimizer, 0.01, 1.0, warmup), new CosineAnnealingLR(optimizer, totalSteps - warmup)], [warmup])
            : new LinearLR(optimizer, 0.01, 1.0, warmup);

        report.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training a YOLOv3-style detector ({model.ParameterCount():N0} parameters, heads {size / 16}×{size / 16} and {size / 8}×{size / 8}) on {train.Count} generated {size}×{size} shape images; mAP@0.5 on {test.Count} held-out images."));
        report.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Seed {options.Seed}; loss {DetectCommand.Name(options.Variant)}; Adam lr {options.LearningRate:R} ({warmup}-step warm-up, cosine decay), batch {options.BatchSize}, {options.Epochs} epoch{(options.Epochs == 1 ? "" : "s")}, {Parallelism.MaxThreads} thread{(Parallelism.MaxThreads == 1 ? "" : "s")}."));
        report.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Anchors (k-means on the training boxes, 1 − IoU): {string.Join(" ", anchors.Select(a => $"{a.Width:F1}×{a.Height:F1}"))}; mean best IoU {AnchorClustering.MeanBestIou(shapes, anchors):F3}."));
        report.WriteLine($"Run folder: {Path.GetFullPath(runFolder)}");

        var history = new List<DetectEpoch>();
        var indices = Enumerable.Range(0, train.Count).ToArray();
        IReadOnlyList<DetectedBox>[] detections = [];
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            Shuffle(indices, order);
            model.Train();
            double xy = 0, wh = 0, conf = 0, cls = 0;
            for (int step = 0; step < stepsPerEpoch; step++)
            {
                var batch = indices[(step * options.BatchSize)..Math.Min(indices.Length, (step + 1) * options.BatchSize)];
                var result = lossFn.Forward(model.ForwardScales(train.Images(batch)), train.Boxes(batch));
                double total = result.Total.Item();
                if (!double.IsFinite(total))
                    throw new TrainingDivergedException(string.Create(CultureInfo.InvariantCulture,
                        $"the loss became {total} at epoch {epoch}, step {step + 1}; try a smaller --lr than {options.LearningRate:R}."));
                optimizer.ZeroGrad();
                result.Total.Backward();
                optimizer.Step();
                scheduler.Step();
                xy += result.XY.Item();
                wh += result.WH.Item();
                conf += result.Conf.Item();
                cls += result.Class.Item();
            }
            double seconds = epochClock.Elapsed.TotalSeconds;
            double lr = optimizer.ParamGroups[0].Lr;
            detections = Detect(model, test);
            var map = MeanAveragePrecision.Compute(detections, test.AllBoxes(), ShapesDataset.ClassNames.Count);
            var record = new DetectEpoch(epoch, (xy + wh + conf + cls) / stepsPerEpoch, xy / stepsPerEpoch, wh / stepsPerEpoch,
                conf / stepsPerEpoch, cls / stepsPerEpoch, map.Map, map.ClassAp, lr, seconds, train.Count / seconds, clock.Elapsed.TotalSeconds);
            history.Add(record);
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch}/{options.Epochs}  loss {record.Loss:F4} (xy {record.XY:F3} wh {record.WH:F3} conf {record.Conf:F3} class {record.Class:F3})  mAP@0.5 {record.Map50:F4}  lr {lr:G4}  {seconds:F1} s  {record.ImagesPerSecond:F0} images/s  {record.Elapsed / 60:F2} min in all"));
        }

        var final = history[^1];
        var title = $"detect-demo, {DetectCommand.Name(options.Variant)} loss, seed {options.Seed}, {options.Epochs} epoch{(options.Epochs == 1 ? "" : "s")}";
        DetectionGrid.Save(Path.Combine(runFolder, DetectionsPng), test, detections, title, final.Map50);
        DetectFiles.SaveModel(Path.Combine(runFolder, ModelFileName), model, options);
        double elapsed = clock.Elapsed.TotalSeconds;
        DetectFiles.WriteMetrics(runFolder, options, anchors, history, elapsed);
        if (options.Json)
            stdout.WriteLine(DetectFiles.SummaryJson(options, anchors, final, elapsed, Path.GetFullPath(runFolder)));
        else
            DetectFiles.WriteTable(stdout, final, test.Count, elapsed, Path.GetFullPath(runFolder));
        return Program.Success;
    }

    /// <summary>Detections on every held-out image (eval mode, no gradients), for mAP and the picture.</summary>
    private static IReadOnlyList<DetectedBox>[] Detect(YoloDetector model, ShapesDataset test)
    {
        model.Eval();
        var all = new List<IReadOnlyList<DetectedBox>>(test.Count);
        for (int start = 0; start < test.Count; start += EvalBatch)
            all.AddRange(model.Detect(test.Images(start, Math.Min(EvalBatch, test.Count - start)), EvalScoreThreshold, NmsIouThreshold, MaxDetections));
        return [.. all];
    }

    /// <summary>Fisher–Yates shuffle drawn from <paramref name="rng"/>.</summary>
    private static void Shuffle(int[] values, Generator rng)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = (int)rng.NextInt64(0, i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
