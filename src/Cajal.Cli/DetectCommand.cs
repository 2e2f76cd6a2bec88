using System.CommandLine;
using System.Globalization;
using Cajal.Detection;

namespace Cajal.Cli;

/// <summary>What <c>cajal detect-demo</c> was asked to do.</summary>
/// <param name="Epochs">Epochs over the training set.</param>
/// <param name="Variant">The loss_xy form of the YOLOv3 loss.</param>
/// <param name="Seed">The one seed that the data, the initial weights and the batch order derive from.</param>
/// <param name="OutDirectory">The run folder, or null for runs/detect-&lt;variant&gt;-seed&lt;S&gt;.</param>
/// <param name="Json">End stdout with one JSON object instead of the table.</param>
/// <param name="Threads">Kernel threads, or null for all cores.</param>
/// <param name="TrainImages">Generated training images.</param>
/// <param name="TestImages">Generated held-out images for mAP.</param>
/// <param name="BatchSize">Training batch size.</param>
/// <param name="LearningRate">Adam's peak learning rate.</param>
internal sealed record DetectOptions(int Epochs, YoloVariant Variant, ulong Seed, string? OutDirectory, bool Json, int? Threads,
    int TrainImages, int TestImages, int BatchSize, double LearningRate);

/// <summary>Builds the <c>detect-demo</c> verb.</summary>
internal static class DetectCommand
{
    /// <summary>The defaults: measured to reach mAP@0.5 ≥ 0.8 well within ten minutes on two cores (docs/detection.md).</summary>
    public const int DefaultEpochs = 10, DefaultTrainImages = 2000, DefaultTestImages = 500, DefaultBatchSize = 32;

    /// <summary>Adam's peak learning rate (after the warm-up, before the cosine decay).</summary>
    public const double DefaultLearningRate = 2e-3;

    /// <summary>The variant names, as typed.</summary>
    public static readonly IReadOnlyDictionary<string, YoloVariant> VariantNames = new Dictionary<string, YoloVariant>
    {
        ["keras"] = YoloVariant.Keras,
        ["darknet"] = YoloVariant.Darknet,
    };

    /// <summary>The name of a variant, as typed.</summary>
    public static string Name(YoloVariant variant) => variant == YoloVariant.Keras ? "keras" : "darknet";

    public static Command Create()
    {
        var epochs = OptionParsing.PositiveInt("--epochs", DefaultEpochs, "Epochs over the training images");
        var variant = OptionParsing.Choice("--variant", VariantNames,
            "The YOLOv3 loss_xy form (default keras): keras = BCE on the offset logits; darknet = squared error on their sigmoids");
        var seed = OptionParsing.Seed("Seed of the run (printed); the images, the initial weights and the batch order derive from it");
        var output = new Option<string>("--out") { Description = "Run folder (default runs/detect-<variant>-seed<S>)", HelpName = "DIR" };
        var json = new Option<bool>("--json") { Description = "End stdout with one JSON object (map50, ap50 per class, epochs, seconds, seed, variant, run, …) instead of the table" };
        var threads = OptionParsing.OptionalPositiveInt("--threads", "Threads for the kernels (default: all cores); results do not depend on it");
        var train = OptionParsing.PositiveInt("--train-images", DefaultTrainImages, "Generated training images");
        var test = OptionParsing.PositiveInt("--test-images", DefaultTestImages, "Generated held-out images that mAP is measured on");
        var batch = OptionParsing.PositiveInt("--batch-size", DefaultBatchSize, "Training batch size");
        foreach (var option in new[] { epochs, train, test, batch }) option.HelpName = "N";
        var lr = OptionParsing.OptionalPositiveDouble("--lr", FormattableString.Invariant($"Adam's peak learning rate, warmed up then cosine-decayed (default {DefaultLearningRate})"));

        var command = new Command("detect-demo",
            "Train a small YOLOv3-style detector on generated shapes with YoloV3Loss; report mAP@0.5 on held-out images and draw its detections")
        {
            epochs, variant, seed, output, json, threads, train, test, batch, lr,
        };
        command.SetAction(parse =>
        {
            var options = new DetectOptions(parse.GetValue(epochs), parse.GetValue(variant) ?? YoloVariant.Keras, parse.GetValue(seed),
                parse.GetValue(output), parse.GetValue(json), parse.GetValue(threads), parse.GetValue(train), parse.GetValue(test),
                parse.GetValue(batch), parse.GetValue(lr) ?? DefaultLearningRate);
            return DetectRunner.Run(options, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return command;
    }
}
